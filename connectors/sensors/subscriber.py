"""The MQTT subscriber: receive fill-level readings, validate them, hand good ones on.

paho-mqtt runs the network loop in its own thread and reconnects with exponential backoff
(``reconnect_min`` doubling up to ``reconnect_max`` seconds); the subscription is renewed on
every connect. ``on_reading`` runs in that thread, one message at a time, so it should be
quick (write a row, queue work). Nothing a sensor sends and nothing ``on_reading`` raises
stops the subscriber: bad messages and callback failures are counted and logged.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

from connectors.sensors.readings import BadReading, Reading, parse_reading

log = logging.getLogger("tramites.sensors")
STAT_NAMES = ("received", "accepted", "rejected", "callback_errors", "connects", "connection_losses")


class SensorSubscriber:
    """Subscribe to ``<topic_prefix>/+/nivel`` and call ``on_reading`` for each valid reading.

    :param url: ``mqtt://[user:password@]host[:port]`` or ``mqtts://…`` (TLS, system CAs).
    :param on_reading: called with each valid :class:`Reading`, in paho's network thread.
    :param topic_prefix: the part before ``/<id>/nivel``; no wildcards.
    :param client_id: a fixed id gives a persistent session, so the broker keeps QoS 1
        readings while we are away; by default a random id and a clean session.
    :param qos: subscription QoS (1: at least once).
    :param reconnect_min: first wait before reconnecting, in whole seconds.
    :param reconnect_max: longest wait between reconnection attempts, in whole seconds.
    """

    def __init__(
        self,
        url: str,
        on_reading: Callable[[Reading], Any],
        topic_prefix: str = "smt/contenedores",
        *,
        client_id: str | None = None,
        qos: int = 1,
        keepalive: int = 30,
        reconnect_min: int = 1,
        reconnect_max: int = 60,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("the MQTT URL must look like mqtt://host:port or mqtts://host:port")
        prefix = topic_prefix.rstrip("/")
        if not prefix or "+" in prefix or "#" in prefix:
            raise ValueError("the topic prefix must be non-empty and free of MQTT wildcards")
        self.topic_prefix = prefix
        self.topic = f"{prefix}/+/nivel"
        self._on_reading = on_reading
        self._qos = qos
        self._keepalive = keepalive
        self._host = parts.hostname
        self._port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self._stats = dict.fromkeys(STAT_NAMES, 0)
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._started = False
        self._client = self._build_client(parts, client_id, reconnect_min, reconnect_max)

    def __repr__(self) -> str:
        return f"SensorSubscriber({self._host}:{self._port}, topic={self.topic!r})"

    def _build_client(self, parts: Any, client_id: str | None, reconnect_min: int, reconnect_max: int) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"tramites-sensors-{secrets.token_hex(6)}",
            clean_session=client_id is None,
            protocol=mqtt.MQTTv311,
        )
        if parts.username:
            client.username_pw_set(unquote(parts.username), unquote(parts.password or ""))
        if parts.scheme == "mqtts":
            client.tls_set()
        client.reconnect_delay_set(min_delay=reconnect_min, max_delay=reconnect_max)
        # Our callbacks catch what they expect; this keeps an unforeseen bug from ending the loop.
        client.suppress_exceptions = True
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def start(self) -> None:
        """Connect in the background and keep connected until :meth:`stop`.

        Returns at once; a broker that is down now is retried with backoff.
        """
        if self._started:
            return
        self._started = True
        log.info("sensors: connecting to %s:%s, topic %s", self._host, self._port, self.topic)
        self._client.connect_async(self._host, self._port, keepalive=self._keepalive)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect and end paho's thread (waits for the message being handled)."""
        if not self._started:
            return
        self._started = False
        self._client.disconnect()
        self._client.loop_stop()
        self._subscribed.clear()

    def wait_until_subscribed(self, timeout: float | None = None) -> bool:
        """Block until the broker confirmed the subscription; ``False`` on timeout."""
        return self._subscribed.wait(timeout)

    def stats(self) -> dict[str, int]:
        """Return a copy of the counters: received, accepted, rejected, callback_errors, …"""
        with self._lock:
            return dict(self._stats)

    def handle(self, topic: str, payload: bytes) -> Reading | None:
        """Validate one message and pass it to ``on_reading``; never raises.

        :return: the reading handed on, or ``None`` when the message was rejected.
        """
        self._count("received")
        try:
            reading = parse_reading(topic, payload, self.topic_prefix, datetime.now(UTC))
        except BadReading as e:
            self._count("rejected")
            log.warning("sensors: rejected a message on %.200r: %s", topic, e)
            return None
        self._count("accepted")
        try:
            self._on_reading(reading)
        except Exception:  # any failure downstream must not stop the readings that follow
            self._count("callback_errors")
            log.exception("sensors: handling the reading of container %s failed", reading.container_id)
        return reading

    def _count(self, name: str) -> None:
        with self._lock:
            self._stats[name] += 1

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            log.error("sensors: the broker refused the connection: %s", reason)
            return
        self._count("connects")
        client.subscribe(self.topic, qos=self._qos)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        self._subscribed.clear()
        if self._started:
            self._count("connection_losses")
            log.warning("sensors: connection to the broker lost (%s); reconnecting", reason)

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: list[Any], _props: Any) -> None:
        if any(r.is_failure for r in reasons):
            log.error("sensors: the broker refused the subscription to %s: %s", self.topic, reasons)
            return
        self._subscribed.set()

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:  # brokers should refuse such topics; do not trust that they do
            topic = "<topic is not UTF-8>"
        self.handle(topic, bytes(message.payload))
