"""The expediente's timeline: append-only, tamper-evident audit events.

Events are only ever inserted. The application refuses to change or remove one: an ORM
update or delete of an :class:`~engine.models.AuditEvent`, or an ``UPDATE``/``DELETE``
statement on its table run through a session, raises :class:`AuditImmutable` before
anything reaches the database. (Maintenance outside the application, such as emptying
a test database with a plain connection, is not the application's business.)

Whoever owns the database can still get around any guard, so the trail is also
tamper-evident: each case's events are a hash chain sealed as they are written
(:mod:`.chain`), the background work signs a checkpoint of every chain's head into the document store
(:mod:`.checkpoints`), and ``tramites audit verify`` names the first broken link (:mod:`.verify`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from engine.audit.chain import SYSTEM_CHAIN, as_stored, chain_of, track
from engine.db import db, utcnow
from engine.errors import EngineError
from engine.models import AuditEvent

__all__ = ["SYSTEM_CHAIN", "AuditImmutable", "record", "timeline"]


class AuditImmutable(EngineError):
    """Something tried to change or delete an audit event."""

    status = 409
    title = "Registro de auditoría inalterable"


def record(
    type_: str,
    actor: str,
    *,
    instance_id: str | None = None,
    task_id: str | None = None,
    element_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event (flushed with the step's transaction, never committed here; the flush
    that writes it seals its link in the case's chain, or the commit for ``sistema``).

    :param type_: what happened (``instance_started``, ``incident_opened``...).
    :param actor: who did it: a user, a token's service account or ``sistema``.
    :return: the new event, added to the session.
    """
    event_ = AuditEvent(
        type=type_,
        actor=actor,
        chain=chain_of(instance_id),
        instance_id=instance_id,
        task_id=task_id,
        element_id=element_id,
        data=as_stored(data or {}),
        at=utcnow(),
    )
    db.session.add(event_)
    track(db.session(), event_)
    return event_


def timeline(instance_id: str) -> list[AuditEvent]:
    """Every event of an instance, oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    ))


_REFUSAL = "Los eventos de auditoría no se modifican ni se borran."


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper: Mapper[Any], connection: Any, target: AuditEvent) -> None:
    raise AuditImmutable(_REFUSAL)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is AuditEvent.__table__ or any(m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditImmutable(_REFUSAL)
