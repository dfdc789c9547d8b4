"""The expediente's timeline: append-only audit events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.db import db, utcnow
from engine.models import AuditEvent


def record(
    type_: str,
    actor: str,
    *,
    instance_id: str | None = None,
    task_id: str | None = None,
    element_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event (flushed with the step's transaction, never committed here)."""
    event = AuditEvent(
        type=type_,
        actor=actor,
        instance_id=instance_id,
        task_id=task_id,
        element_id=element_id,
        data=data or {},
        at=utcnow(),
    )
    db.session.add(event)
    return event


def timeline(instance_id: str) -> list[AuditEvent]:
    """Every event of an instance, oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    ))
