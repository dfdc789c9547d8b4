"""The ``mosquitto`` fixture is a real MQTT broker that delivers what is published."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest

from connectors.probes import ProbeError, probe_mqtt
from tests.fixtures import services
from tests.fixtures.services import run_mosquitto


class Subscriber:
    """A plain paho client that collects what arrives on one topic filter."""

    def __init__(self, url: str, topic: str) -> None:
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = lambda _c, _u, m: self.messages.put((m.topic, m.payload))
        parts = urlsplit(url)
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def subscriber(mosquitto: str, mqtt_topic_prefix: str) -> Iterator[Subscriber]:
    sub = Subscriber(mosquitto, f"{mqtt_topic_prefix}/#")
    assert sub.subscribed.wait(5)
    yield sub
    sub.close()


def _publish(url: str, topic: str, payload: bytes) -> None:
    parts = urlsplit(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1).wait_for_publish(5)
    finally:
        client.disconnect()
        client.loop_stop()


def test_a_published_message_is_received(mosquitto: str, mqtt_topic_prefix: str, subscriber: Subscriber) -> None:
    _publish(mosquitto, f"{mqtt_topic_prefix}/c-17/nivel", b'{"nivel": 42}')
    assert subscriber.messages.get(timeout=5) == (f"{mqtt_topic_prefix}/c-17/nivel", b'{"nivel": 42}')


def test_messages_outside_the_subscription_are_not_delivered(
    mosquitto: str, mqtt_topic_prefix: str, subscriber: Subscriber
) -> None:
    _publish(mosquitto, f"{mqtt_topic_prefix}-other/c-1/nivel", b"elsewhere")
    _publish(mosquitto, f"{mqtt_topic_prefix}/c-2/nivel", b"here")
    assert subscriber.messages.get(timeout=5) == (f"{mqtt_topic_prefix}/c-2/nivel", b"here")
    assert subscriber.messages.empty()


def test_topic_prefixes_differ_per_test(mqtt_topic_prefix: str) -> None:
    assert mqtt_topic_prefix.startswith("tramites-test/")
    assert mqtt_topic_prefix.endswith("/smt/contenedores")


def test_a_private_broker_starts_delivers_and_stops(tmp_path: Path, mqtt_topic_prefix: str) -> None:
    with run_mosquitto(tmp_path) as url:
        assert urlsplit(url).port != 1883
        sub = Subscriber(url, f"{mqtt_topic_prefix}/#")
        try:
            assert sub.subscribed.wait(5)
            _publish(url, f"{mqtt_topic_prefix}/x/nivel", b"ok")
            assert sub.messages.get(timeout=5) == (f"{mqtt_topic_prefix}/x/nivel", b"ok")
        finally:
            sub.close()
    with pytest.raises(ProbeError):
        probe_mqtt(url, timeout=1)


def test_a_missing_binary_skips_or_fails_when_services_are_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MOSQUITTO", "no-such-mosquitto")
    monkeypatch.delenv("TRAMITES_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install mosquitto"), services.run_mosquitto(tmp_path):
        pass
    monkeypatch.setenv("TRAMITES_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="required service missing"), services.run_mosquitto(tmp_path):
        pass
