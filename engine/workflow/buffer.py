"""Messages kept for a while because no case waited for them yet (``ttl`` of ``POST /api/v1/messages``).

Another system may answer before the case reaches the event that waits for the answer (the
payment gateway confirms while the case still runs its scripts). A message sent with a
time-to-live is then stored here instead of refused; when a case comes to wait for that name
with the same correlation values, the oldest unexpired one is handed to it (see
:func:`engine.workflow.messages.deliver_kept`). Each is delivered at most once: the hand-over
claims the row with a conditional update, which a concurrent worker cannot win twice. Expired
ones are swept by the background work, leaving an audit event.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint, and_, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from engine import audit
from engine.dates import fixed_duration
from engine.db import UTCDateTime, db, new_id
from engine.errors import DataInvalid
from engine.models import Json, Subscription
from engine.workflow.indexing import correlation_key, json_safe

#: The longest time a message may wait for its case.
MAX_TTL = timedelta(days=30)
SYSTEM = "sistema"
_SECONDS = re.compile(r"^\d{1,8}$")


class BufferedMessage(db.Model):  # type: ignore[name-defined]
    """A message no case waited for when it arrived, kept until ``expires_at`` or its delivery."""

    __tablename__ = "buffered_messages"
    __table_args__ = (
        Index("ix_buffered_messages_lookup", "name", "correlation_key"),
        UniqueConstraint("name", "message_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    correlation: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    correlation_key: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    message_id: Mapped[str | None] = mapped_column(String(200))
    sender: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


def parse_ttl(value: Any) -> timedelta:
    """A time-to-live given as seconds (a number or digits) or an ISO 8601 duration (``PT2H``, ``P3D``).

    :raises DataInvalid: for anything else, for zero and beyond :data:`MAX_TTL`.
    """
    if isinstance(value, bool):
        raise DataInvalid(_TTL_FORMAT)
    if isinstance(value, int) or (isinstance(value, str) and _SECONDS.match(value)):
        seconds = int(value)
        if seconds > MAX_TTL.total_seconds():  # timedelta overflows on huge numbers: refuse before building one
            raise DataInvalid(f"El «ttl» debe ser mayor que cero y de {MAX_TTL.days} días como máximo.")
        ttl = timedelta(seconds=seconds)
    elif isinstance(value, str) and value.upper().startswith("P"):
        ttl = _iso_duration(value)
    else:
        raise DataInvalid(_TTL_FORMAT)
    if ttl <= timedelta(0) or ttl > MAX_TTL:
        raise DataInvalid(f"El «ttl» debe ser mayor que cero y de {MAX_TTL.days} días como máximo.")
    return ttl


_TTL_FORMAT = ("El «ttl» debe ser una cantidad de segundos o una duración ISO 8601 en semanas, días, horas, "
               "minutos o segundos (por ejemplo «PT2H» o «P3D»; sin años ni meses).")


def _iso_duration(text: str) -> timedelta:
    try:
        return fixed_duration(text)
    except ValueError as e:
        raise DataInvalid(_TTL_FORMAT) from e
    except OverflowError as e:  # «P999999999D»: beyond any bound, said as such
        raise DataInvalid(f"El «ttl» debe ser de {MAX_TTL.days} días como máximo.") from e


def keep(name: str, correlation: dict[str, Any], data: dict[str, Any], message_id: str | None, sender: str,
         now: datetime, ttl: timedelta) -> BufferedMessage:
    """Store a message that no case waits for yet (flushes, so its id is known)."""
    correlation = json_safe(correlation)
    message = BufferedMessage(name=name, correlation=correlation, correlation_key=correlation_key(correlation),
                              payload=json_safe(data), message_id=message_id, sender=sender, received_at=now,
                              expires_at=now + ttl)
    db.session.add(message)
    db.session.flush()
    audit.record("message_buffered", sender, data={"id": message.id, "name": name, "correlation": correlation,
                                                   "expires_at": message.expires_at.isoformat()})
    return message


def pending(name: str, key: str, now: datetime) -> list[BufferedMessage]:
    """The undelivered, unexpired messages of that name and correlation, oldest first."""
    return list(db.session.scalars(
        select(BufferedMessage).where(BufferedMessage.name == name, BufferedMessage.correlation_key == key,
                                      BufferedMessage.delivered_at.is_(None), BufferedMessage.expires_at > now)
        .order_by(BufferedMessage.received_at, BufferedMessage.id)))


def awaited(now: datetime, limit: int = 100) -> list[str]:
    """Undelivered, unexpired messages some case now waits for (kept while that case subscribed)."""
    matching = and_(Subscription.message_name == BufferedMessage.name,
                    Subscription.correlation_key == BufferedMessage.correlation_key)
    return list(db.session.scalars(
        select(BufferedMessage.id).where(BufferedMessage.delivered_at.is_(None), BufferedMessage.expires_at > now,
                                         select(Subscription.id).where(matching).exists())
        .order_by(BufferedMessage.received_at).limit(limit)))


def claim(message: BufferedMessage, instance_id: str, now: datetime) -> bool:
    """Mark the message delivered to the instance, unless another delivery already did.

    A conditional update: under two workers one wins, the other sees no row changed.
    """
    result = db.session.execute(
        update(BufferedMessage).where(BufferedMessage.id == message.id, BufferedMessage.delivered_at.is_(None))
        .values(delivered_at=now, instance_id=instance_id).execution_options(synchronize_session=False))
    won = bool(getattr(result, "rowcount", 0))
    if won:
        db.session.refresh(message)
    return won


def release(message: BufferedMessage) -> None:
    """Undo a claim whose case turned out not to catch the message after all."""
    db.session.execute(update(BufferedMessage).where(BufferedMessage.id == message.id)
                       .values(delivered_at=None, instance_id=None).execution_options(synchronize_session=False))
    db.session.refresh(message)


def sweep_expired(now: datetime) -> int:
    """Delete the messages whose time ran out undelivered; each leaves an audit event."""
    expired = list(db.session.scalars(
        select(BufferedMessage).where(BufferedMessage.delivered_at.is_(None), BufferedMessage.expires_at <= now)))
    for message in expired:
        audit.record("message_expired", SYSTEM, data={"id": message.id, "name": message.name,
                                                      "correlation": message.correlation,
                                                      "message_id": message.message_id})
    if expired:
        db.session.execute(delete(BufferedMessage).where(BufferedMessage.id.in_([m.id for m in expired])))
    return len(expired)
