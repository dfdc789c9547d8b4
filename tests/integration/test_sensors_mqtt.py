"""Sensors end to end on the real Mosquitto broker: the subscriber ``create_app`` builds, and ``tramites sensors``.

Readings are published over MQTT under a prefix of this test's own, so a shared broker's
other traffic never reaches it; collections start on the test database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.cli.connectors import with_sensors
from engine.db import db
from engine.intake.sensor_models import CollectionEpisode, SensorReading
from engine.models import Instance
from tests.connectors.test_sensors import payload, publish
from tests.integration.test_sensors_engine import PROCESS, deployed
from tests.warning_policy import tramites_argv

ROOT = Path(__file__).resolve().parents[2]


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        found = tuple(db.session.scalar(select(func.count()).select_from(model))
                      for model in (SensorReading, CollectionEpisode, Instance))
        db.session.remove()
    return found  # type: ignore[return-value]


@pytest.fixture
def sensor_app(make_app: Callable[..., Flask], mosquitto: str, mqtt_topic_prefix: str) -> Flask:
    app = make_app(MQTT_URL=mosquitto, SENSOR_TOPIC=mqtt_topic_prefix)
    deployed(app)
    return app


@pytest.fixture
def feed(sensor_app: Flask) -> Iterator[Any]:
    subscriber = sensor_app.extensions["tramites"].tools.sensor_subscriber()
    subscriber.start()
    assert subscriber.wait_until_subscribed(20)
    yield subscriber
    subscriber.stop()


def test_readings_over_mqtt_start_one_collection_per_episode(
        sensor_app: Flask, feed: Any, mosquitto: str, mqtt_topic_prefix: str,
        wait_until: Callable[..., bool], caplog: pytest.LogCaptureFixture) -> None:
    topic = f"{mqtt_topic_prefix}/C-0042/nivel"
    bad = [(topic, b"no es json"), (topic, payload(nivel=140)), (f"{mqtt_topic_prefix}/c.1/nivel", payload()),
           (topic, json.dumps({"nivel": 90}).encode())]
    first_episode = [(topic, payload(nivel=n)) for n in (40, 85, 90, 95)]
    publish(mosquitto, [*bad, *first_episode, (f"{mqtt_topic_prefix}/C-7/nivel", payload(nivel=12))])
    assert wait_until(lambda: feed.stats()["received"] == 9 and counts(sensor_app)[0] == 5, timeout=20)
    stats = feed.stats()
    assert (stats["rejected"], stats["accepted"], stats["callback_errors"]) == (4, 5, 0)
    assert counts(sensor_app) == (5, 1, 1)
    assert caplog.text.count("rejected a message") == 4

    publish(mosquitto, [(topic, payload(nivel=n)) for n in (20, 88)])
    assert wait_until(lambda: counts(sensor_app) == (7, 2, 2), timeout=20), counts(sensor_app)
    with sensor_app.app_context():
        numbers = db.session.scalars(select(Instance.business_key).where(Instance.process_key == PROCESS.name))
        assert list(numbers) == ["contenedor:C-0042", "contenedor:C-0042"]
        db.session.remove()


def test_without_mqtt_there_is_no_subscriber(app: Flask) -> None:
    assert app.extensions["tramites"].tools.sensor_subscriber is None
    result = app.test_cli_runner().invoke(args=["sensors"])
    assert result.exit_code == 1 and "TRAMITES_MQTT_URL" in result.output


def test_serve_runs_the_subscriber_alongside(sensor_app: Flask) -> None:
    """``tramites serve`` is wrapped so the subscriber runs while the server does, and stops after."""
    seen: list[tuple[bool, int]] = []
    built: list[Any] = []
    runtime = sensor_app.extensions["tramites"]
    factory = runtime.tools.sensor_subscriber

    def tracking_factory() -> Any:
        built.append(factory())
        return built[-1]

    runtime.tools.sensor_subscriber = tracking_factory

    @click.command("servir")
    @click.option("--port", type=int, default=1)
    def fake_serve(port: int) -> None:
        seen.append((built[0].wait_until_subscribed(20), port))

    wrapped = with_sensors(fake_serve)
    assert [p.name for p in wrapped.params] == ["port"]
    sensor_app.cli.add_command(wrapped)
    result = sensor_app.test_cli_runner().invoke(args=["servir", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen == [(True, 8123)]
    assert not built[0].wait_until_subscribed(0)  # stopped when serve returned


def test_the_sensors_command_runs_in_the_foreground_until_terminated(
        sensor_app: Flask, database_url: str, mosquitto: str, mqtt_topic_prefix: str, tmp_path: Path,
        wait_until: Callable[..., bool]) -> None:
    env = {**os.environ, "TRAMITES_DATABASE_URL": database_url, "TRAMITES_INSTANCE_PATH": str(tmp_path / "cli"),
           "TRAMITES_MQTT_URL": mosquitto, "TRAMITES_SENSOR_TOPIC": mqtt_topic_prefix,
           "TRAMITES_SENSOR_THRESHOLD": "70"}
    child = subprocess.Popen(tramites_argv("sensors"), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert "Sensores: escuchando" in first, first + child.stdout.read()
        publish(mosquitto, [(f"{mqtt_topic_prefix}/C-11/nivel", payload(nivel=n)) for n in (71, 75)])
        assert wait_until(lambda: counts(sensor_app) == (2, 1, 1), timeout=20), counts(sensor_app)
        child.send_signal(signal.SIGTERM)
        output, _ = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=10)  # reaps the child and closes its pipe
    assert child.returncode == 0, output
    assert "Sensores detenidos: received=2, accepted=2" in output
