"""The ``tramites`` command line: init, serve, check.

Commands run inside the application context that ``FlaskGroup`` provides, so they reach
the composed platform through ``current_app.extensions``, never by building it themselves.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from engine.accounts import ensure_user
from engine.db import db
from engine.health import run_checks
from engine.runtime import EXTENSION_KEY, Runtime

PROCESSES_DIR = Path(__file__).resolve().parent.parent / "processes"


def register(app: Flask) -> None:
    """Add the platform's commands to ``app.cli``."""
    for command in (init, serve, check):
        app.cli.add_command(command)


@click.command()
@with_appcontext
@click.option("--no-demo", is_flag=True, help="No crear los usuarios de demostración.")
def init(no_demo: bool) -> None:
    """Migrate the database and seed the demo users (safe to run again)."""
    upgrade()
    click.echo("Base de datos al día.")
    if not no_demo:
        _seed_demo_users(PROCESSES_DIR / "demo_users.yaml")
    db.session.commit()
    url = current_app.config["TRAMITES"]["PUBLIC_URL"]
    click.echo(f"Listo. Ingrese en {url}/")


def _seed_demo_users(path: Path) -> None:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["users"]
    click.echo("Usuarios de demostración (solo para pruebas, no para producción):")
    for entry in entries:
        user, created = ensure_user(
            entry["username"],
            display_name=entry["name"],
            password=entry["password"],
            email=entry.get("email"),
            roles=tuple(entry.get("roles", ["citizen"])),
            groups=tuple(entry.get("groups", [])),
        )
        state = "creado" if created else "ya existía"
        roles = ", ".join(sorted(user.role_set))
        click.echo(f"  {user.username:<14} contraseña: {entry['password']:<18} {roles} ({state})")


@click.command()
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the development server."""
    current_app.run(host=host, port=port, use_reloader=False, threaded=True)


@click.command()
@with_appcontext
def check() -> None:
    """Report every dependency, one line each; exit 1 when a configured one is down."""
    runtime: Runtime = current_app.extensions[EXTENSION_KEY]
    results = run_checks(runtime.checks, runtime.check_targets)
    for r in results:
        if not r.configured:
            state = "--"
        else:
            state = "OK" if r.ok else "CAÍDO"
        latency = f"{r.latency_ms:>7.1f} ms" if r.latency_ms is not None else " " * 10
        click.echo(f"{r.name:<9} {state:<6} {latency}  {r.detail}")
    if not all(r.ok for r in results):
        sys.exit(1)
