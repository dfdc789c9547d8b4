"""Container readings in the engine: episodes, one collection per episode, the collection process, retention.

Readings go through the same function the MQTT subscriber calls (``engine.intake.sensors.record_reading``,
one unit of work each) with the connector's own episode rule; the tables come from the real
migration, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, make_url, select

from connectors.sensors import EpisodeTracker
from engine.background.runner import BackgroundRunner
from engine.db import db
from engine.intake.sensor_models import CollectionEpisode, SensorReading
from engine.intake.sensors import Reading, ReadingOutcome, episodes, record_reading
from engine.models import Instance
from engine.settings import ConfigError, read_settings
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token

PROCESS = Path(__file__).resolve().parents[2] / "processes" / "recoleccion_contenedor"
T0 = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
SENSOR_TABLES = {"sensor_readings", "collection_episodes"}


def record(app: Flask, container: str, nivel: float, at: datetime = T0, bateria: float = 90.0,
           decide: Callable[..., Any] | None = None) -> ReadingOutcome:
    """Store one reading as the subscriber's callback does: its own app context and unit of work."""
    rule = decide or EpisodeTracker(app.config["TRAMITES"]["SENSOR_THRESHOLD"],
                                    app.config["TRAMITES"]["SENSOR_RESET"]).observe
    with app.app_context():
        ctx = app.extensions["tramites"].engine_context()
        try:
            with unit_of_work(ctx.after_commit):
                outcome = record_reading(ctx, Reading(container, nivel, bateria, at, at), rule)
            return outcome
        finally:
            db.session.remove()


def deployed(app: Flask) -> ApiClient:
    api = ApiClient(app, make_token(app, "sensores", "admin"))
    response = api.deploy(PROCESS)
    assert response.status_code == 201, response.get_json()
    return api


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        found = tuple(db.session.scalar(select(func.count()).select_from(model))
                      for model in (SensorReading, CollectionEpisode, Instance))
        db.session.remove()
    return found  # type: ignore[return-value]


def test_one_collection_per_episode_and_a_new_one_after_emptying(app: Flask) -> None:
    api = deployed(app)
    levels = [50, 85, 92, 79, 31, 29, 81, 100]
    outcomes = [record(app, "C-0042", level, T0 + timedelta(minutes=i)) for i, level in enumerate(levels)]
    assert [o.decision for o in outcomes] == [None, "start", None, None, None, "end", "start", None]
    first, second = outcomes[1], outcomes[6]
    assert first.instance_id and second.instance_id and first.instance_id != second.instance_id
    assert outcomes[2].instance_id == first.instance_id and outcomes[7].episode_id == second.episode_id
    assert counts(app) == (8, 2, 2)

    started = api.instance(first.instance_id)
    assert started["number"].endswith("-SMT-RCC") and started["status"] == "running"
    assert started["business_key"] == "contenedor:C-0042"
    assert started["data"]["contenedor"] == "C-0042" and started["data"]["nivel"] == 85
    assert started["data"]["episodio"] == first.episode_id and started["data"]["prioridad"] == "normal"
    with app.app_context():
        closed, still_open = episodes("C-0042")
        assert (closed.status, closed.closing_level, closed.closed_at) == ("closed", 29, T0 + timedelta(minutes=5))
        assert (still_open.status, still_open.opening_level, still_open.instance_id) == ("open", 81, second.instance_id)
        db.session.remove()


def test_containers_have_their_own_episodes(app: Flask) -> None:
    deployed(app)
    assert record(app, "A", 90).decision == "start"
    assert record(app, "B", 70).decision is None
    assert record(app, "B", 96, bateria=12).decision == "start"
    assert record(app, "A", 95).decision is None
    assert counts(app) == (4, 2, 2)


def test_the_database_decides_whether_an_episode_is_open_not_memory(app: Flask) -> None:
    deployed(app)
    # A fresh rule (a restarted subscriber) per reading: the open episode is still found.
    assert record(app, "C-7", 88, decide=EpisodeTracker().observe).decision == "start"
    assert record(app, "C-7", 91, decide=EpisodeTracker().observe).decision is None
    assert counts(app)[1:] == (1, 1)


def test_without_the_process_the_reading_is_kept_and_the_next_one_tries_again(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    failed = record(app, "C-9", 90)
    assert failed == ReadingOutcome("start_failed")
    assert "recoleccion_contenedor could not start" in caplog.text
    assert counts(app) == (1, 0, 0)
    deployed(app)
    assert record(app, "C-9", 91).decision == "start"
    assert counts(app) == (2, 1, 1)


def test_thresholds_come_from_the_settings(make_app: Callable[..., Flask]) -> None:
    app = make_app(SENSOR_THRESHOLD="60", SENSOR_RESET="10")
    deployed(app)
    assert [record(app, "C-1", n).decision for n in (59, 60, 15, 9, 61)] == [None, "start", None, "end", "start"]


@pytest.mark.parametrize(("threshold", "reset"), [("50", "50"), ("40", "60"), ("101", "30"), ("80", "-1")])
def test_inconsistent_thresholds_stop_the_start(make_app: Callable[..., Flask], threshold: str, reset: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_app(SENSOR_THRESHOLD=threshold, SENSOR_RESET=reset)
    assert caught.value.variable in ("TRAMITES_SENSOR_THRESHOLD", "TRAMITES_SENSOR_RESET")


def test_the_crew_collects_and_the_case_closes(app: Flask) -> None:
    api = deployed(app)
    outcome = record(app, "C-0101", 97, bateria=15)
    detail = api.instance(outcome.instance_id or "")
    assert detail["data"]["prioridad"] == "urgente" and detail["data"]["bateria_baja"] is True
    (task,) = detail["tasks"]
    assert (task["element_id"], task["name"]) == ("recolectar", "Vaciar el contenedor")
    assert task["candidate_group"] == "cuadrilla_recoleccion" and task["due_at"]
    form = api.get(f"/api/v1/tasks/{task['id']}").get_json()["form"]
    assert form["title"] == "Recolección del contenedor" and form["required"] == ["recolectado"]
    refused = api.complete(task["id"], {"observaciones": "sin dato"})
    assert refused.status_code == 422, refused.get_json()
    done = api.complete(task["id"], {"recolectado": True, "observaciones": "Batería del sensor baja."})
    assert done.status_code == 200, done.get_json()
    closed = api.instance(outcome.instance_id or "")
    assert closed["status"] == "completed" and closed["data"]["estado"] == "recolectado"


def test_background_work_deletes_readings_older_than_the_retention(make_app: Callable[..., Flask]) -> None:
    app = make_app(SENSOR_RETENTION_DAYS="30")
    now = T0 + timedelta(days=365)
    app.extensions["tramites"].clock = lambda: now
    for age in (400, 31, 29, 1):
        record(app, "C-5", 10, at=now - timedelta(days=age))
    runtime = app.extensions["tramites"]
    assert BackgroundRunner(app.app_context, runtime.engine_context).run_once() == 0  # housekeeping is not a job
    with app.app_context():
        kept = sorted((now - r.received_at).days for r in db.session.scalars(select(SensorReading)))
        db.session.remove()
    assert kept == [1, 29]


def test_the_default_retention_is_ninety_days(app: Flask) -> None:
    now = T0 + timedelta(days=365)
    app.extensions["tramites"].clock = lambda: now
    for age in (91, 89):
        record(app, "C-6", 10, at=now - timedelta(days=age))
    runtime = app.extensions["tramites"]
    assert runtime.engine_context().sensor_retention_days == 90
    BackgroundRunner(app.app_context, runtime.engine_context).run_once()
    assert counts(app)[0] == 1


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database on the same backend as this test's, dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server = request.getfixturevalue("postgres_server_url")
    name = f"tramites_fresh_{secrets.token_hex(4)}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migration_matches_the_models_and_downgrades(make_app: Callable[..., Flask],
                                                         fresh_database_url: str) -> None:
    app = make_app(DATABASE_URL=fresh_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), db.metadata)
        assert [d for d in diff if SENSOR_TABLES & set(_tables_in(d))] == []
        indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("collection_episodes")}
        assert indexes["ix_collection_episodes_one_open"]["unique"]
        downgrade(revision="f27f574ef549")
        assert not SENSOR_TABLES & set(inspect(db.engine).get_table_names())
        upgrade()
        assert SENSOR_TABLES <= set(inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()


def _tables_in(diff: Any) -> list[str]:
    items = diff if isinstance(diff, list) else [diff]
    names = []
    for item in items:
        for part in item if isinstance(item, tuple) else (item,):
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            names += [n for n in (name, getattr(table, "name", None)) if isinstance(n, str)]
    return names


def test_init_deploys_the_collection_process(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["init", "--no-demo"])
    assert result.exit_code == 0, result.output
    assert "Proceso recoleccion_contenedor v1 (nueva versión)" in result.output
    assert record(app, "C-1", 99).decision == "start"


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SENSOR_TOPIC", "smt/+/contenedores", "without wildcards"),
    ("SENSOR_TOPIC", "  ", "without wildcards"),
    ("SENSOR_THRESHOLD", "mucho", "could not convert"),
    ("SENSOR_THRESHOLD", "120", "between 0 and 100"),
    ("SENSOR_RETENTION_DAYS", "0", "positive"),
])
def test_malformed_sensor_settings_name_the_variable(tmp_path: Path, variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path), f"TRAMITES_{variable}": value})
    assert str(caught.value).startswith(f"TRAMITES_{variable}: ") and message in str(caught.value)


def test_sensor_settings_defaults(tmp_path: Path) -> None:
    values = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path), "TRAMITES_SENSOR_TOPIC": "ciudad/sensores/"})
    assert (values["SENSOR_TOPIC"], values["SENSOR_THRESHOLD"], values["SENSOR_RESET"],
            values["SENSOR_RETENTION_DAYS"]) == ("ciudad/sensores", 80.0, 30.0, 90)
