"""The ``tramites`` command line.

Commands run inside the application context that ``FlaskGroup`` provides, so they reach
the composed platform through ``engine.web.request.runtime()``, never by building it themselves.
Each command is one unit of work: it commits once at the end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.serving import run_simple

from engine import safe_yaml
from engine.background.runner import BackgroundRunner
from engine.background.workers import EXTENSION_KEY as CELERY_KEY
from engine.cli import audit, connectors, documents, figures, worker
from engine.db import db
from engine.errors import EngineError
from engine.health import run_checks
from engine.identity import tokens
from engine.identity.accounts import ensure_user
from engine.models import Instance
from engine.settings import redact_url, served_at
from engine.uow import unit_of_work
from engine.web.request import runtime
from engine.workflow import deployments
from engine.workflow.bundles import bundle_from_path

PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"
CLI_ACTOR = "cli"


def register(app: Flask) -> None:
    """Add the platform's commands to ``app.cli``."""
    for command in (init, check, deploy, validate, instances, token, documents.certificate, documents.documents,
                    audit.audit, worker.worker, figures.figures, *connectors.COMMANDS):
        app.cli.add_command(command)
    app.cli.add_command(connectors.with_sensors(serve))


def _require_migrated() -> None:
    """Stop with one line when the database is not at the code's schema (``tramites init`` migrates)."""
    from alembic.config import Config  # Alembic: only for the commands that touch the database
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    expected = set(ScriptDirectory.from_config(config).get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except OperationalError:
        url = redact_url(current_app.config["TRAMITES"]["DATABASE_URL"])
        click.echo(f"Error: la base de datos no responde ({url}): revise que esté en marcha y TRAMITES_DATABASE_URL.",
                   err=True)
        sys.exit(1)
    if current != expected:
        state = "no está preparada" if not current else "está en una versión anterior"
        click.echo(f"Error: la base de datos {state}: ejecute `tramites init` (migra sin borrar datos).", err=True)
        sys.exit(1)


def _fail(error: EngineError) -> None:
    click.echo(f"Error: {error.message}", err=True)
    for problem in error.errors:
        click.echo(f"  - {_where(problem)}{problem.get('message')}", err=True)
    sys.exit(1)


def _where(problem: dict[str, Any]) -> str:
    """``"proceso.bpmn revisar (línea 12): "``: file, element and line of a problem, when known."""
    where = " ".join(x for x in (problem.get("file"), problem.get("element") or problem.get("pointer")) if x)
    if problem.get("line"):
        where += f" (línea {problem['line']})"
    return f"{where}: " if where else ""


@click.command()
@with_appcontext
@click.option("--no-demo", is_flag=True, help="No crear los usuarios de demostración.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Dirección en la que escuchará `tramites serve`.")
@click.option("--port", default=5000, show_default=True, type=int, help="Puerto en el que escuchará `tramites serve`.")
def init(no_demo: bool, host: str, port: int) -> None:
    """Migrate the database, deploy every procedure under processes/ and seed demo users (safe to run again).

    ``--host``/``--port`` are where ``tramites serve`` will listen: the address printed at the
    end, unless ``TRAMITES_PUBLIC_URL`` names another.
    """
    from flask_migrate import upgrade

    upgrade()
    click.echo("Base de datos al día.")
    with unit_of_work():
        # Groups first: a lane naming a group nobody is in yet is only a warning, but a noisy one.
        officials = [] if no_demo else _seed_demo_users(PROCESSES_DIR / "demo_users.yaml")
        _deploy_all(PROCESSES_DIR)
    _prepare_signing()
    _prepare_official_signing(officials)
    url = served_at(current_app.config["TRAMITES"], host, port)
    click.echo(f"Listo. Ingrese en {url}/")


def _prepare_signing() -> None:
    prepare = runtime().documents.prepare_signing
    created = prepare() if prepare is not None else None
    if created:
        click.echo(f"Certificado de firma de DESARROLLO creado en {created}: no es válido para producción "
                   "(configure TRAMITES_SIGNING_CERT y TRAMITES_SIGNING_PASSWORD).")


def _prepare_official_signing(officials: list[tuple[str, str, str]]) -> None:
    prepare = runtime().documents.prepare_official_signing
    created = prepare(officials) if prepare is not None and officials else []
    if created:
        click.echo("Credenciales de firma de DESARROLLO de los funcionarios de demostración (no válidas para "
                   "producción):")
    for username, passphrase in created:
        click.echo(f"  {username:<14} clave de firma: {passphrase}")


def _deploy_all(folder: Path) -> None:
    rt = runtime()
    for bundle_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        try:
            result = deployments.deploy(bundle_from_path(bundle_dir), CLI_ACTOR, rt.operations(),
                                        rt.known_groups, rt.validate_params, rt.documents.check_template)
        except EngineError as e:
            _fail(e)
        state = "nueva versión" if result.created else "sin cambios"
        click.echo(f"Proceso {result.deployment.key} v{result.deployment.version} ({state})")


MAX_USERS_FILE_BYTES = 256 * 1024


def _seed_demo_users(path: Path) -> list[tuple[str, str, str]]:
    """Create the demo accounts; return the staff among them as ``(username, name, cargo)`` for their credentials."""
    try:
        entries = safe_yaml.load(path.read_bytes(), max_bytes=MAX_USERS_FILE_BYTES)["users"]
    except (safe_yaml.YamlRefused, TypeError, KeyError) as e:
        detail = str(e) if isinstance(e, safe_yaml.YamlRefused) else "Debe tener una lista «users»."
        _fail(EngineError(f"{path}: {detail}"))
    click.echo("Usuarios de demostración (solo para pruebas, no para producción):")
    officials: list[tuple[str, str, str]] = []
    for entry in entries:
        user, created = ensure_user(
            entry["username"],
            display_name=entry["name"],
            password=entry["password"],
            email=entry.get("email"),
            roles=tuple(entry.get("roles", ["citizen"])),
            groups=tuple(entry.get("groups", [])),
            cuit=entry.get("cuit"),
        )
        state = "creado" if created else "ya existía"
        roles = ", ".join(sorted(user.role_set))
        click.echo(f"  {user.username:<14} contraseña: {entry['password']:<18} {roles} ({state})")
        if "staff" in user.role_set:
            officials.append((user.username, entry["name"], entry.get("cargo") or "Personal municipal"))
    return officials


@click.command()
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the development server with the in-process background runner (timers, retries).

    With a broker configured the background work belongs to ``tramites worker``, not here.
    Without ``TRAMITES_PUBLIC_URL`` the links the platform makes name this host and port.
    """
    _require_migrated()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = served_at(app.config["TRAMITES"], host, port)
    click.echo(f"Ingrese en {url}/")
    runner = BackgroundRunner(app.app_context, runtime().engine_context)
    if CELERY_KEY not in app.extensions:
        runner.start()
    try:
        # Not app.run(): inside the flask CLI it returns at once without serving.
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        runner.stop()


@click.command()
@with_appcontext
def check() -> None:
    """Report every dependency, one line each (and the GAF sandbox when it is on); exit 1 when one is down."""
    rt = runtime()
    results = run_checks(rt.tools.checks, rt.tools.check_targets)
    for r in results:
        state = "--" if not r.configured else ("OK" if r.ok else "CAÍDO")
        latency = f"{r.latency_ms:>7.1f} ms" if r.latency_ms is not None else " " * 10
        click.echo(f"{r.name:<9} {state:<6} {latency}  {r.detail}")
    if rt.settings.get("GAF_SANDBOX"):
        consent = rt.settings.get("GAF_SANDBOX_IN_PRODUCTION")
        accepted = " (aceptado con TRAMITES_GAF_SANDBOX_IN_PRODUCTION)" if consent else ""
        click.echo(f"{'sandbox':<9} {'ACTIVO':<6} {'':>10}  GAF de prueba en /_sandbox/gaf{accepted}: cualquiera "
                   "puede marcar una boleta como pagada (pagos falsos); apáguelo con TRAMITES_GAF_SANDBOX=0")
    if not all(r.ok for r in results):
        sys.exit(1)


@click.command()
@with_appcontext
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def deploy(path: Path) -> None:
    """Deploy a bundle folder or .zip as a new version (an unchanged bundle keeps its version)."""
    _require_migrated()
    rt = runtime()
    try:
        with unit_of_work():
            result = deployments.deploy(bundle_from_path(path), CLI_ACTOR, rt.operations(), rt.known_groups,
                                        rt.validate_params, rt.documents.check_template)
    except EngineError as e:
        _fail(e)
    for warning in result.warnings:
        click.echo(f"Aviso: {warning['element']}: {warning['message']}")
    state = "desplegado" if result.created else "sin cambios"
    click.echo(f"{result.deployment.key} versión {result.deployment.version} ({state})")


@click.command()
@with_appcontext
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def validate(path: Path) -> None:
    """Check a bundle without deploying it; exit 1 listing every problem."""
    _require_migrated()
    rt = runtime()
    try:
        problems, warnings = deployments.validate(bundle_from_path(path), rt.operations(), rt.known_groups,
                                                  rt.validate_params, rt.documents.check_template)
    except EngineError as e:
        _fail(e)
    for warning in warnings:
        click.echo(f"Aviso: {_where(warning)}{warning['message']}")
    if problems:
        _fail(EngineError(f"{len(problems)} problema(s) en {path}", errors=problems))
    click.echo(f"{path}: sin problemas.")


@click.command()
@with_appcontext
@click.option("--process", help="Solo las de este proceso.")
@click.option("--status", help="Solo las de este estado.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
def instances(process: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """List instances, newest first."""
    _require_migrated()
    query = select(Instance).order_by(Instance.created_at.desc()).limit(limit)
    if process:
        query = query.where(Instance.process_key == process)
    if status:
        query = query.where(Instance.status == status)
    rows = list(db.session.scalars(query))
    if as_json:
        click.echo(json.dumps([{"id": i.id, "number": i.number, "process": i.process_key, "version": i.version,
                                "status": i.status, "created_at": i.created_at.isoformat()} for i in rows]))
        return
    for i in rows:
        click.echo(f"{i.number}  {i.process_key} v{i.version}  {i.status:<10}  {i.created_at:%Y-%m-%d %H:%M}  {i.id}")


@click.group()
def token() -> None:
    """API tokens for integrations."""


@token.command("create")
@with_appcontext
@click.option("--name", required=True)
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(tokens.SCOPES))
def token_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a token; its secret is printed once, alone on the last line."""
    _require_migrated()
    try:
        with unit_of_work():
            created, secret = tokens.create(name, list(scopes), CLI_ACTOR)
    except EngineError as e:
        _fail(e)
    click.echo(f"Token «{created.name}» con alcances: {created.scopes}. Guárdelo ahora: no se vuelve a mostrar.")
    click.echo(secret)
