"""``tramites user create``, and the identity migration both ways on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from engine.cli.users import user as user_group
from engine.db import db, utcnow
from engine.identity import sessions, throttle
from engine.identity.accounts import User
from engine.uow import unit_of_work
from tests.fixtures.identity import Web

PARENT = "c1a5e9d2b7f0"
IDENTITY_TABLES = {"web_sessions", "signin_throttle", "email_verifications"}


@pytest.fixture
def cli_app(secure_app: Callable[..., Flask]) -> Flask:
    app = secure_app()
    app.cli.add_command(user_group)
    return app


def _create(app: Flask, *args: str) -> object:
    return app.test_cli_runner().invoke(args=["user", "create", *args])


def test_user_create_makes_a_local_user_who_can_sign_in(cli_app: Flask) -> None:
    result = _create(cli_app, "--username", "rrhh", "--email", "RRHH@smt.gob.ar", "--password", "rrhh-clave-nueva",
                     "--group", "mesa_entradas", "--group", "inspeccion", "--role", "staff", "--role", "supervisor")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "Usuario rrhh creado. Roles: staff, supervisor. Grupos: inspeccion, mesa_entradas." in result.output  # type: ignore[attr-defined]
    with cli_app.app_context():
        created = db.session.scalar(select(User).where(User.username == "rrhh"))
        assert (created.email, created.source, created.active) == ("rrhh@smt.gob.ar", "local", True)
        assert created.password_hash.startswith("$argon2id$")
    Web(cli_app.test_client()).sign_in("rrhh", "rrhh-clave-nueva")


def test_user_create_defaults_to_citizen_or_staff(cli_app: Flask) -> None:
    result = _create(cli_app, "--username", "vecina", "--email", "v@example.com", "--password", "vecina-clave-1")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert _create(cli_app, "--username", "insp", "--email", "i@smt.gob.ar", "--password", "inspeccion-clave",
                   "--group", "inspeccion").exit_code == 0  # type: ignore[attr-defined]
    with cli_app.app_context():
        roles = dict(db.session.execute(select(User.username, User.roles)).all())
        assert roles == {"vecina": "citizen", "insp": "staff"}


@pytest.mark.parametrize(("args", "message"), [
    (["--email", "no-es-correo", "--password", "una-clave-larga"], "el correo no es válido"),
    (["--email", "a@smt.gob.ar", "--password", "corta"], "al menos 10 caracteres"),
    (["--email", "a@smt.gob.ar", "--password", "1234567890"], "demasiado común"),
    (["--email", "a@smt.gob.ar", "--password", "una-clave-larga", "--role", "dios"], "Invalid value for '--role'"),
])
def test_user_create_refuses_bad_input(cli_app: Flask, args: list[str], message: str) -> None:
    result = _create(cli_app, "--username", "x", *args)
    assert result.exit_code != 0 and message in result.output  # type: ignore[attr-defined]


def test_user_create_refuses_a_taken_name_or_email(cli_app: Flask) -> None:
    first = _create(cli_app, "--username", "ana", "--email", "ana@smt.gob.ar", "--password", "ana-clave-larga")
    assert first.exit_code == 0  # type: ignore[attr-defined]
    for name, email in (("ana", "otra@smt.gob.ar"), ("ana2", "ANA@smt.gob.ar")):
        result = _create(cli_app, "--username", name, "--email", email, "--password", "ana-clave-larga")
        assert result.exit_code == 1 and "ya existe" in result.output  # type: ignore[attr-defined]


def test_the_migration_goes_down_and_up(make_app: Callable[..., Flask], database_url: str, tmp_path: Path) -> None:
    app = make_app()
    with app.app_context():
        try:
            downgrade(revision=PARENT)
            tables = set(inspect(db.engine).get_table_names())
            assert not tables & IDENTITY_TABLES
            assert "dni" not in {c["name"] for c in inspect(db.engine).get_columns("users")}
        finally:
            upgrade()  # back to head (later migrations build on this one)
        assert IDENTITY_TABLES <= set(inspect(db.engine).get_table_names())
        names = {c["name"] for c in inspect(db.engine).get_columns("users")}
        assert {"source", "email_verified_at", "dni", "cuil"} <= names
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), db.metadata)
        assert [d for d in diff if (IDENTITY_TABLES | {"users"}) & set(_tables_in(d))] == []
        db.engine.dispose()


def _tables_in(diff: Any) -> list[str]:
    names = []
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:] if isinstance(item, tuple) else []:
            table = getattr(part, "table", None)
            name = getattr(part, "name", None) if table is None else getattr(table, "name", None)
            if isinstance(part, str):
                names.append(part)
            elif name:
                names.append(name)
    return names


def test_prune_forgets_expired_sessions_and_quiet_throttles(app: Flask) -> None:
    now = utcnow()
    with app.app_context(), unit_of_work():
        _token, old = sessions.create(now - timedelta(hours=1))
        live_token, _live = sessions.create(now)
        throttle.record_failure(["usuario:viejo"], now - timedelta(hours=2), throttle.ThrottlePolicy())
        throttle.record_failure(["usuario:nuevo"], now, throttle.ThrottlePolicy())
    with app.app_context(), unit_of_work():
        assert sessions.prune(now, sessions.Policy()) == 1
        assert throttle.prune(now, throttle.ThrottlePolicy()) == 1
        assert sessions.load(live_token, now, sessions.Policy()) is not None
        assert throttle.wait_seconds(["usuario:nuevo"], now) == 0  # one failure does not lock
