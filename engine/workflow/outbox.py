"""The outbox: calls that must leave only after their step commits (notifications), kept durably.

A step that sends an e-mail writes the call into this table in its own transaction, so the
call exists exactly when the step does (a rolled-back step sends nothing; a crash after the
commit loses nothing). Right after the commit the call is handed to whoever delivers (the
web process itself in the embedded default, a Celery worker in production); what is not
delivered then — the mail server was down, the process died — is retried with backoff by the
background work until it goes out or fails for good, which leaves an audit event on the case.
Delivery is at least once: a crash between sending and marking sends the message again. Every
attempt carries the same :data:`DELIVERY_FACT`, from which the e-mail connector makes the same
Message-ID, so the repeat is the same message to the mail server and to the recipient's mail
program, which shows it once (docs/deployment.md, "What a killed process costs").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from engine import audit
from engine.db import UTCDateTime, db, utcnow
from engine.models import Json
from engine.observability import metrics
from engine.workflow.indexing import json_safe

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
SYSTEM = "sistema"
#: The background work leaves a new message alone this long: the process that committed it
#: hands it over at once, and two senders must not race for it.
HANDOVER_SECONDS = 60
#: Causes of failed attempts already warned about in this process (operation, error): a missing
#: mail server fails every message alike, every few minutes, and once is enough to read it.
_WARNED: set[tuple[str, str]] = set()
MAX_WARNED_CAUSES = 256

#: The fact that names one outbox message on every attempt to deliver it (``<id>.<created, µs>``).
DELIVERY_FACT = "delivery_id"
Deliver = Callable[[str, dict[str, Any], dict[str, Any]], Any]


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """One call to a connector waiting to leave (or sent, or given up)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    operation: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(Json)
    facts: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, sent, failed, suppressed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def enqueue(operation: str, params: dict[str, Any], facts: dict[str, Any], now: datetime) -> int:
    """Write a call into the outbox in the current transaction (flushes) and return its id."""
    message = OutboxMessage(operation=operation, params=json_safe(params), facts=json_safe(facts),
                            instance_id=facts.get("instance_id"), status="pending", attempts=0,
                            next_attempt_at=now + timedelta(seconds=HANDOVER_SECONDS), created_at=now)
    db.session.add(message)
    db.session.flush()
    return message.id


def suppress(operation: str, params: dict[str, Any], facts: dict[str, Any], now: datetime) -> int:
    """Keep a test case's notification without sending it (status ``suppressed``, never delivered).

    The test page lists it, so the analyst sees what would have gone out and to whom. No audit
    event: the portal's e-mails are written while the transaction commits, after its chain is sealed.
    """
    message = OutboxMessage(operation=operation, params=json_safe(params), facts=json_safe(facts),
                            instance_id=facts.get("instance_id"), status="suppressed", attempts=0,
                            next_attempt_at=now, created_at=now)
    db.session.add(message)
    db.session.flush()
    return message.id


def of_instance(instance_id: str) -> list[OutboxMessage]:
    """The messages of one case, oldest first."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == instance_id)
                                   .order_by(OutboxMessage.id)))


def deliver(message_id: int, call: Deliver, now: datetime) -> str:
    """Try to send one pending message (inside the caller's unit of work).

    :return: the message's status afterwards (``sent``, ``pending`` for a later retry, ``failed``),
        or ``"missing"`` when there is no such message or another worker holds it. A message
        already sent or given up is left alone.
    """
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id)
                                .with_for_update(skip_locked=True))
    if message is None:
        return "missing"
    if message.status != "pending":
        return message.status
    try:
        call(message.operation, dict(message.params), {**message.facts, DELIVERY_FACT: delivery_id(message)})
    except Exception as error:  # any failure of the far side is a retry, never a lost message
        _failed_attempt(message, error, now)
    else:
        message.status, message.sent_at, message.last_error = "sent", now, None
        message.attempts += 1
    db.session.flush()
    return message.status


def delivery_id(message: OutboxMessage) -> str:
    """The same text on every attempt to deliver ``message``, and no other message's (its creation
    time, to the microsecond, tells apart the same id in two installations)."""
    return f"{message.id}.{int(message.created_at.timestamp() * 1_000_000)}"


def _failed_attempt(message: OutboxMessage, error: Exception, now: datetime) -> None:
    metrics.outbox_failed(message.operation)  # the attempt failed whether or not its transaction commits
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        log.error("outbox message %s (%s) given up after %d attempts: %s", message.id, message.operation,
                  message.attempts, message.last_error)
        audit.record("notification_failed", SYSTEM, instance_id=message.instance_id,
                     data={"operation": message.operation, "attempts": message.attempts, "error": message.last_error})
        return
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (message.attempts - 1), BACKOFF_MAX_SECONDS)
    message.next_attempt_at = now + timedelta(seconds=delay)
    level = logging.WARNING if _first_time(message.operation, message.last_error) else logging.INFO
    log.log(level, "outbox message %s (%s) failed (attempt %d), next try in %d s: %s", message.id,
            message.operation, message.attempts, delay, message.last_error)


def _first_time(operation: str, error: str) -> bool:
    """Whether this process has not yet warned about ``error`` of ``operation`` (then remembers it)."""
    cause = (operation, error)
    if cause in _WARNED:
        return False
    if len(_WARNED) >= MAX_WARNED_CAUSES:
        _WARNED.clear()  # many different causes: warning again is better than growing without end
    _WARNED.add(cause)
    return True


def due(now: datetime, limit: int = 100) -> list[int]:
    """Ids of pending messages whose next attempt is due, oldest first."""
    return list(db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))


def backlog() -> dict[str, int]:
    """How many messages wait and how many were given up (for health pages and operators)."""
    rows = db.session.execute(select(OutboxMessage.status, db.func.count()).group_by(OutboxMessage.status))
    counts = {status: count for status, count in rows}
    return {"pendientes": counts.get("pending", 0), "fallidos": counts.get("failed", 0)}
