"""The deadlines migration on an empty database of each backend: tables, the seeded holidays, downgrade."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, make_url, text

from engine.db import db
from wsgi import create_app

REVISION, BEFORE = "c9f5a7b3e4d6", "b8e4f6a2d3c5"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vacia.db'}"
        return
    server = request.getfixturevalue("postgres_server_url")
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"tramites_plazos_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migration_seeds_the_national_and_provincial_holidays_and_goes_back(empty_database: str,
                                                                               tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": empty_database, "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        try:
            upgrade(revision=REVISION)
            rows = {day if isinstance(day, date) else date.fromisoformat(day): (name, kind) for day, name, kind
                    in db.session.execute(text("SELECT day, name, kind FROM holidays"))}
            assert rows[date(2026, 9, 24)] == ("Batalla de Tucumán", "provincial")
            assert rows[date(2027, 9, 24)] == ("Batalla de Tucumán", "provincial")
            assert rows[date(2026, 7, 9)] == ("Día de la Independencia", "nacional")
            assert {d.year for d in rows} == {2026, 2027}
            assert all(kind in ("nacional", "provincial", "municipal") for _, kind in rows.values())
            assert "clock_pauses" in inspect(db.engine).get_table_names()
            db.session.remove()
            downgrade(revision=BEFORE)
            assert not {"holidays", "clock_pauses"} & set(inspect(db.engine).get_table_names())
        finally:
            db.session.remove()
            db.engine.dispose()
