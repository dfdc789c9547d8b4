"""Connectivity probes for the services the platform talks to: broker, LDAP, MQTT.

Each ``probe_*`` returns ``None`` when the service answers a real protocol exchange within
``timeout`` seconds and raises otherwise. They only connect; they change nothing.
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import unquote, urlsplit

DEFAULT_TIMEOUT = 3.0


class ProbeError(Exception):
    """The service did not answer as expected."""


def probe_broker(url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Ping a Redis broker or open an AMQP connection to RabbitMQ."""
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss"):
        import redis  # lazy: only installed with the prod extra

        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            if not client.ping():
                raise ProbeError("Redis did not answer PING")
        finally:
            client.close()
        return
    _probe_amqp(url, timeout)


def _probe_amqp(url: str, timeout: float) -> None:
    """Check that an AMQP 0-9-1 server answers the protocol header with its start frame."""
    parts = urlsplit(url)
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout) as sock:
        sock.sendall(b"AMQP\x00\x00\x09\x01")
        frame = sock.recv(7)
    # A connection.start method frame begins with type 1 on channel 0.
    if len(frame) < 7 or frame[0] != 1 or frame[1:3] != b"\x00\x00":
        raise ProbeError("the server did not answer as an AMQP 0-9-1 broker")


def probe_ldap(url: str, bind_dn: str | None = None, password: str | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> None:
    """Bind to the directory (anonymously unless a bind DN is given)."""
    import ldap3

    server = ldap3.Server(url, connect_timeout=timeout)
    conn = ldap3.Connection(server, user=bind_dn, password=password, receive_timeout=timeout)
    try:
        if not conn.bind():
            raise ProbeError(f"LDAP bind refused: {conn.result.get('description', 'unknown')}")
    finally:
        conn.unbind()


def probe_mqtt(url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Connect to an MQTT broker and wait for its CONNACK."""
    import paho.mqtt.client as mqtt

    parts = urlsplit(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv311)
    if parts.username:
        client.username_pw_set(unquote(parts.username), unquote(parts.password or ""))
    if parts.scheme == "mqtts":
        client.tls_set()
    connected = threading.Event()
    outcome: dict[str, object] = {}

    def on_connect(_client: object, _userdata: object, _flags: object, reason: object, _props: object) -> None:
        outcome["reason"] = reason
        connected.set()

    client.on_connect = on_connect
    port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
    try:
        client.connect(parts.hostname or "localhost", port, keepalive=10)
    except OSError as e:
        raise ProbeError(f"cannot reach the MQTT broker: {e}") from e
    client.loop_start()
    try:
        if not connected.wait(timeout):
            raise ProbeError("the MQTT broker did not answer CONNACK in time")
        reason = outcome["reason"]
        if getattr(reason, "is_failure", False):
            raise ProbeError(f"the MQTT broker refused the connection: {reason}")
    finally:
        client.disconnect()
        client.loop_stop()
