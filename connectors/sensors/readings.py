"""One fill-level reading: its shape, and the checks a payload must pass to become one."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CONTAINER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
LEVEL_SUFFIX = "nivel"
#: Far more than a reading needs; larger payloads are refused before parsing.
MAX_PAYLOAD_BYTES = 4096


class BadReading(ValueError):
    """A message that is not a valid reading; ``str()`` says why (for logs, not for citizens)."""


@dataclass(frozen=True)
class Reading:
    """A container's fill level and battery, in percent, as measured at ``ts``.

    ``ts`` (the sensor's clock) and ``received_at`` (ours) are aware datetimes in UTC.
    """

    container_id: str
    nivel: float
    bateria: float
    ts: datetime
    received_at: datetime


def container_id_from_topic(topic: str, prefix: str) -> str:
    """Return ``<id>`` from ``<prefix>/<id>/nivel``.

    :raises BadReading: when the topic has another shape or the id is not 1–64 of
        ``A–Z a–z 0–9 _ -``.
    """
    head = prefix + "/"
    tail = "/" + LEVEL_SUFFIX
    if not (topic.startswith(head) and topic.endswith(tail)) or len(topic) <= len(head) + len(tail):
        raise BadReading(f"topic is not {prefix}/<id>/{LEVEL_SUFFIX}")
    container_id = topic[len(head):-len(tail)]
    if not CONTAINER_ID.fullmatch(container_id):
        raise BadReading("container id must be 1-64 letters, digits, '_' or '-'")
    return container_id


def _percent(data: dict[str, Any], key: str) -> float:
    if key not in data:
        raise BadReading(f"missing field {key!r}")
    value = data[key]
    # bool is an int in Python, but true is not a level.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadReading(f"{key!r} must be a number")
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise BadReading(f"{key!r} must be between 0 and 100")
    return float(value)


def _timestamp(data: dict[str, Any]) -> datetime:
    if "ts" not in data:
        raise BadReading("missing field 'ts'")
    value = data["ts"]
    if not isinstance(value, str) or len(value) > 64:
        raise BadReading("'ts' must be an ISO 8601 date-time string")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError as e:
        raise BadReading("'ts' is not an ISO 8601 date-time") from e
    if ts.tzinfo is None or ts.utcoffset() is None:
        # A reading without an offset is ambiguous by hours; refuse rather than guess.
        raise BadReading("'ts' must carry a UTC offset (Z or ±hh:mm)")
    return ts.astimezone(UTC)


def parse_payload(payload: bytes) -> tuple[float, float, datetime]:
    """Check a payload and return ``(nivel, bateria, ts)``.

    :raises BadReading: naming the first problem found.
    """
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise BadReading(f"payload larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BadReading("payload is not JSON") from e
    if not isinstance(data, dict):
        raise BadReading("payload is not a JSON object")
    return _percent(data, "nivel"), _percent(data, "bateria"), _timestamp(data)


def parse_reading(topic: str, payload: bytes, prefix: str, received_at: datetime | None = None) -> Reading:
    """Turn one MQTT message into a :class:`Reading`.

    :param topic: the message's topic, ``<prefix>/<id>/nivel``.
    :param payload: the raw message body.
    :param prefix: the topic prefix subscribed to, without a trailing slash.
    :param received_at: when it arrived (now, in UTC, by default).
    :raises BadReading: when the topic or the payload is not a valid reading.
    """
    container_id = container_id_from_topic(topic, prefix)
    nivel, bateria, ts = parse_payload(payload)
    return Reading(container_id, nivel, bateria, ts, received_at or datetime.now(UTC))
