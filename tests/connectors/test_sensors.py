"""Container fill-level sensors: payload checks, the episode rule, and the subscriber on real Mosquitto."""

from __future__ import annotations

import json
import logging
import queue
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest

from connectors.sensors import BadReading, EpisodeTracker, Reading, SensorSubscriber, parse_reading
from tests.fixtures.require import free_port
from tests.fixtures.services import run_mosquitto

PREFIX = "smt/contenedores"


def payload(nivel: Any = 85, bateria: Any = 97, ts: Any = "2026-11-24T10:15:00-03:00", **extra: Any) -> bytes:
    return json.dumps({"nivel": nivel, "bateria": bateria, "ts": ts, **extra}).encode()


# -- payload and topic checks -----------------------------------------------------------------


def test_a_valid_reading_is_parsed_to_utc() -> None:
    received = datetime(2026, 11, 24, 13, 15, 2, tzinfo=UTC)
    reading = parse_reading(f"{PREFIX}/C-0042_b/nivel", payload(nivel=85, bateria=97.5), PREFIX, received)
    assert reading == Reading("C-0042_b", 85.0, 97.5, datetime(2026, 11, 24, 13, 15, tzinfo=UTC), received)
    assert reading.ts.utcoffset() == timedelta(0)
    zulu = parse_reading(f"{PREFIX}/c1/nivel", payload(nivel=0, bateria=100, ts="2026-11-24T13:15:00Z"), PREFIX)
    assert zulu.ts == datetime(2026, 11, 24, 10, 15, tzinfo=timezone(timedelta(hours=-3)))  # the same instant
    assert zulu.received_at.tzinfo is not None


@pytest.mark.parametrize("body", [
    b"not json",
    b"\xff\xfe",
    b"[85, 97]",
    b'"85"',
    b'{"nivel": NaN, "bateria": 97, "ts": "2026-11-24T10:15:00Z"}',
    b'{"nivel": Infinity, "bateria": 97, "ts": "2026-11-24T10:15:00Z"}',
    payload(nivel=100.5),
    payload(nivel=-1),
    payload(bateria=101),
    payload(nivel="85"),
    payload(nivel=True),
    payload(nivel=None),
    payload(ts="2026-11-24T10:15:00"),
    payload(ts="ayer"),
    payload(ts=1732450500),
    payload(ts="2026-13-40T10:15:00Z"),
    json.dumps({"bateria": 97, "ts": "2026-11-24T10:15:00Z"}).encode(),
    json.dumps({"nivel": 50, "ts": "2026-11-24T10:15:00Z"}).encode(),
    json.dumps({"nivel": 50, "bateria": 97}).encode(),
    payload(relleno="x" * 5000),
])
def test_bad_payloads_are_refused(body: bytes) -> None:
    with pytest.raises(BadReading):
        parse_reading(f"{PREFIX}/c1/nivel", body, PREFIX)


@pytest.mark.parametrize("topic", [
    f"{PREFIX}/nivel",
    f"{PREFIX}//nivel",
    f"{PREFIX}/c1/bateria",
    f"{PREFIX}/c1/x/nivel",
    f"{PREFIX}/c.1/nivel",
    f"{PREFIX}/c 1/nivel",
    f"{PREFIX}/{'c' * 65}/nivel",
    "otra/c1/nivel",
    f"{PREFIX}x/c1/nivel",
])
def test_bad_topics_are_refused(topic: str) -> None:
    with pytest.raises(BadReading):
        parse_reading(topic, payload(), PREFIX)


def test_a_64_character_id_is_accepted() -> None:
    assert parse_reading(f"{PREFIX}/{'c' * 64}/nivel", payload(), PREFIX).container_id == "c" * 64


def test_handle_counts_without_a_broker(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[Reading] = []
    subscriber = SensorSubscriber("mqtt://127.0.0.1:1", seen.append, PREFIX)
    with caplog.at_level(logging.WARNING, logger="tramites.sensors"):
        assert subscriber.handle(f"{PREFIX}/c1/nivel", b"{") is None
    assert subscriber.handle(f"{PREFIX}/c1/nivel", payload()) == seen[0]
    assert subscriber.stats() == {"received": 2, "accepted": 1, "rejected": 1, "callback_errors": 0,
                                  "connects": 0, "connection_losses": 0}
    assert "not JSON" in caplog.text


@pytest.mark.parametrize(("url", "prefix"), [
    ("http://127.0.0.1", PREFIX), ("mqtt://", PREFIX), ("mqtt://h", "smt/+"), ("mqtt://h", "#"), ("mqtt://h", "/"),
])
def test_bad_subscriber_settings_are_refused(url: str, prefix: str) -> None:
    with pytest.raises(ValueError):
        SensorSubscriber(url, print, prefix)


def test_repr_hides_the_broker_password() -> None:
    assert "s3cret" not in repr(SensorSubscriber("mqtt://user:s3cret@broker:1883", print))


# -- the episode rule ----------------------------------------------------------------------------


def test_one_start_per_episode_and_an_end_under_the_reset_level() -> None:
    tracker = EpisodeTracker()
    levels = [10, 79.9, 80, 95, 79, 85, 31, 30, 29.9, 50, 90, 100, 0]
    decisions = [tracker.observe("c1", level) for level in levels]
    assert decisions == [None, None, "start", None, None, None, None, None, "end", None, "start", None, "end"]


def test_containers_have_their_own_episodes() -> None:
    tracker = EpisodeTracker(threshold=70, reset=20)
    assert tracker.observe("a", 75) == "start"
    assert tracker.observe("b", 60) is None
    assert tracker.observe("b", 70) == "start"
    assert tracker.observe("a", 10) == "end"
    assert (tracker.is_open("a"), tracker.is_open("b")) == (False, True)


def test_the_callers_records_win_over_memory() -> None:
    tracker = EpisodeTracker()
    # The engine says an episode is already open (e.g. after a restart): no second start.
    assert tracker.observe("c1", 90, open_episode=True) is None
    assert tracker.is_open("c1")
    # The engine closed it by hand: the next full reading starts a new one.
    assert tracker.observe("c1", 90, open_episode=False) == "start"
    assert tracker.observe("c1", 5, open_episode=False) is None
    assert tracker.observe("c1", 5, open_episode=True) == "end"


@pytest.mark.parametrize(("threshold", "reset"), [(80, 80), (30, 80), (101, 30), (80, -1)])
def test_inconsistent_thresholds_are_refused(threshold: float, reset: float) -> None:
    with pytest.raises(ValueError):
        EpisodeTracker(threshold, reset)


@pytest.mark.parametrize("level", [-0.1, 100.1, float("nan")])
def test_levels_out_of_range_are_refused(level: float) -> None:
    with pytest.raises(ValueError):
        EpisodeTracker().observe("c1", level)


# -- the subscriber on a real broker --------------------------------------------------------


def publish(url: str, items: list[tuple[str, bytes]]) -> None:
    parts = urlsplit(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
    client.loop_start()
    try:
        for topic, body in items:
            client.publish(topic, body, qos=1).wait_for_publish(20)
    finally:
        client.disconnect()
        client.loop_stop()


Started = tuple[SensorSubscriber, "queue.Queue[Reading]"]


@pytest.fixture
def running(mosquitto: str, mqtt_topic_prefix: str) -> Iterator[Callable[..., Started]]:
    """Start subscribers on the session broker under this test's prefix; stop them after."""
    started: list[SensorSubscriber] = []

    def start(on_reading: Callable[[Reading], Any] | None = None) -> Started:
        readings: queue.Queue[Reading] = queue.Queue()
        subscriber = SensorSubscriber(mosquitto, on_reading or readings.put, mqtt_topic_prefix)
        started.append(subscriber)
        subscriber.start()
        assert subscriber.wait_until_subscribed(20)
        return subscriber, readings

    yield start
    for subscriber in started:
        subscriber.stop()


def test_valid_readings_reach_on_reading(mosquitto: str, mqtt_topic_prefix: str, running: Any) -> None:
    subscriber, readings = running()
    publish(mosquitto, [
        (f"{mqtt_topic_prefix}/c-1/nivel", payload(nivel=42)),
        (f"{mqtt_topic_prefix}/c-2/nivel", payload(nivel=81, bateria=15, ts="2026-11-24T13:00:00Z")),
    ])
    first, second = readings.get(timeout=20), readings.get(timeout=20)
    assert (first.container_id, first.nivel) == ("c-1", 42.0)
    assert (second.container_id, second.nivel, second.bateria) == ("c-2", 81.0, 15.0)
    assert second.ts == datetime(2026, 11, 24, 13, tzinfo=UTC)
    assert subscriber.stats()["accepted"] == 2


def test_bad_messages_are_counted_and_do_not_stop_good_ones(
    mosquitto: str, mqtt_topic_prefix: str, running: Any, caplog: pytest.LogCaptureFixture
) -> None:
    subscriber, readings = running()
    bad = [
        (f"{mqtt_topic_prefix}/c-1/nivel", b"no es json"),
        (f"{mqtt_topic_prefix}/c-1/nivel", payload(nivel=140)),
        (f"{mqtt_topic_prefix}/c-1/nivel", json.dumps({"nivel": 50}).encode()),
        (f"{mqtt_topic_prefix}/c.1/nivel", payload()),
        (f"{mqtt_topic_prefix}/{'x' * 65}/nivel", payload()),
    ]
    with caplog.at_level(logging.WARNING, logger="tramites.sensors"):
        publish(mosquitto, [*bad, (f"{mqtt_topic_prefix}/c-9/nivel", payload(nivel=12))])
        good = readings.get(timeout=20)
    assert (good.container_id, good.nivel) == ("c-9", 12.0)
    stats = subscriber.stats()
    assert (stats["received"], stats["rejected"], stats["accepted"]) == (6, 5, 1)
    assert readings.empty()
    assert caplog.text.count("rejected a message") == 5


def test_an_on_reading_that_raises_does_not_kill_the_subscriber(
    mosquitto: str, mqtt_topic_prefix: str, running: Any, caplog: pytest.LogCaptureFixture
) -> None:
    delivered: queue.Queue[Reading] = queue.Queue()

    def on_reading(reading: Reading) -> None:
        if reading.container_id == "explota":
            raise RuntimeError("database is down")
        delivered.put(reading)

    subscriber, _ = running(on_reading)
    with caplog.at_level(logging.ERROR, logger="tramites.sensors"):
        publish(mosquitto, [(f"{mqtt_topic_prefix}/explota/nivel", payload()),
                            (f"{mqtt_topic_prefix}/sigue/nivel", payload())])
        assert delivered.get(timeout=20).container_id == "sigue"
    assert subscriber.stats()["callback_errors"] == 1
    assert "database is down" in caplog.text


def test_the_subscriber_waits_for_a_broker_and_reconnects_after_it_restarts(
    tmp_path: Path, mqtt_topic_prefix: str, wait_until: Callable[..., bool]
) -> None:
    port = free_port()
    readings: queue.Queue[Reading] = queue.Queue()
    subscriber = SensorSubscriber(f"mqtt://127.0.0.1:{port}", readings.put, mqtt_topic_prefix,
                                  reconnect_min=1, reconnect_max=1)
    subscriber.start()  # no broker yet: start() must not fail, the loop keeps trying
    try:
        assert not subscriber.wait_until_subscribed(0.3)
        for attempt in (1, 2):
            (tmp_path / str(attempt)).mkdir()
            with run_mosquitto(tmp_path / str(attempt), port) as url:
                assert subscriber.wait_until_subscribed(10)
                publish(url, [(f"{mqtt_topic_prefix}/c{attempt}/nivel", payload(nivel=attempt))])
                assert readings.get(timeout=20).container_id == f"c{attempt}"
            assert wait_until(lambda: not subscriber.wait_until_subscribed(0), timeout=5)
        stats = subscriber.stats()
        assert stats["connects"] == 2 and stats["connection_losses"] >= 1
    finally:
        subscriber.stop()
