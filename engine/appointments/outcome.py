"""What became of an appointment at the office: attended, or absent (a no-show), and the case told.

A person called to a desk is marked attended or absent by the desk. A person who never
checked in is a no-show once the service's grace minutes after the start have passed: the
desk may mark it, and the background work marks the ones left (:func:`due_no_shows`).

When the appointment belongs to a case (a process booked it), the case gets the message
``turno_atendido`` or ``turno_ausente`` in the same transaction, with the payload
``{"turno": {"codigo", "inicio", "estado", "oficina", "servicio", "puesto"}}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine import audit
from engine.appointments.models import Agenda, Appointment, Office, Service
from engine.appointments.queue import called_at_desk, of_office
from engine.db import db
from engine.errors import Conflict
from engine.workflow import messages
from engine.workflow.step import EngineContext

ATTENDED_MESSAGE = "turno_atendido"
ABSENT_MESSAGE = "turno_ausente"
#: What the case reads in ``turno.estado``.
STATE_WORDS = {"attended": "atendido", "no_show": "ausente"}
SYSTEM = "sistema"


def attended(ctx: EngineContext, appointment_id: str, office_id: str, *, by: str, now: datetime) -> Appointment:
    """The person called to the desk was attended (audited; the case is told).

    :raises NotFound: for another office's or an unknown appointment.
    :raises Conflict: when it is not called at a desk.
    """
    found = called_at_desk(appointment_id, office_id)
    _finish(ctx, found, "attended", by=by, now=now)
    return found


def absent(ctx: EngineContext, appointment_id: str, office_id: str, *, by: str, now: datetime) -> Appointment:
    """The person did not come: called to the desk and absent, or never checked in after the grace.

    :raises NotFound: for another office's or an unknown appointment.
    :raises Conflict: for a person waiting in the room (call them first), one whose grace has
        not passed yet, or one already finished.
    """
    found = of_office(appointment_id, office_id)
    if found.status == "checked_in":
        raise Conflict(f"El número {found.ticket} está en la sala: llámelo antes de marcarlo ausente.")
    if found.status == "booked" and now < grace_ends(found):
        raise Conflict("Todavía no pasó la tolerancia del turno: no se puede marcar ausente.")
    if found.status not in ("booked", "called"):
        raise Conflict("Ese turno ya está cerrado.")
    _finish(ctx, found, "no_show", by=by, now=now)
    return found


def grace_ends(appointment: Appointment) -> datetime:
    """When a booked appointment not checked in becomes a no-show."""
    _office, service = _office_and_service(appointment)
    return appointment.starts_at + timedelta(minutes=service.grace_minutes)


def due_no_shows(now: datetime, limit: int = 200) -> list[str]:
    """Booked appointments never checked in whose grace has passed, the oldest first (the background work's list)."""
    query = (select(Appointment.id, Appointment.starts_at, Service.grace_minutes)
             .join(Agenda, Agenda.id == Appointment.agenda_id).join(Service, Service.id == Agenda.service_id)
             .where(Appointment.status == "booked", Appointment.starts_at <= now)
             .order_by(Appointment.starts_at).limit(limit * 4))
    due = [i for i, starts, grace in db.session.execute(query) if starts + timedelta(minutes=grace) <= now]
    return due[:limit]


def mark_no_show(ctx: EngineContext, appointment_id: str) -> Appointment | None:
    """Mark one appointment a no-show for the background work, when it still is one."""
    found = db.session.get(Appointment, appointment_id)
    now = ctx.now()
    if found is None or found.status != "booked" or now < grace_ends(found):
        return None
    _finish(ctx, found, "no_show", by=SYSTEM, now=now)
    return found


def _finish(ctx: EngineContext, appointment: Appointment, status: str, *, by: str, now: datetime) -> None:
    appointment.status, appointment.finished_at = status, now
    db.session.flush()
    audit.record("appointment_attended" if status == "attended" else "appointment_no_show", by,
                 instance_id=appointment.instance_id,
                 data={"appointment": appointment.id, "code": appointment.code, "ticket": appointment.ticket,
                       "desk": appointment.desk, "starts_at": appointment.starts_at.isoformat()})
    if appointment.instance_id is not None:
        _tell_case(ctx, appointment, by)


def news_of(appointment: Appointment) -> dict[str, Any]:
    """The message's payload: what the case learns of its appointment."""
    office, service = _office_and_service(appointment)
    return {"turno": {"codigo": appointment.code, "inicio": appointment.starts_at.isoformat(),
                      "estado": STATE_WORDS.get(appointment.status, appointment.status),
                      "oficina": office.name, "servicio": service.name, "puesto": appointment.desk}}


def _tell_case(ctx: EngineContext, appointment: Appointment, actor: str) -> None:
    name = ATTENDED_MESSAGE if appointment.status == "attended" else ABSENT_MESSAGE
    instance_id = appointment.instance_id
    if instance_id is None:
        return
    if messages.deliver_to_case(ctx, instance_id, name, news_of(appointment), actor) is None:
        audit.record("message_dropped", actor, instance_id=instance_id,
                     data={"name": name, "reason": "El caso no espera este mensaje.",
                           "appointment": appointment.id})


def _office_and_service(appointment: Appointment) -> tuple[Office, Service]:
    agenda = db.session.get(Agenda, appointment.agenda_id)
    office = db.session.get(Office, agenda.office_id) if agenda is not None else None
    service = db.session.get(Service, agenda.service_id) if agenda is not None else None
    if office is None or service is None:  # pragma: no cover - foreign keys keep them
        raise Conflict("La agenda del turno ya no existe.")
    return office, service
