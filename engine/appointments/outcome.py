"""What became of an appointment at the office: attended, or absent (a no-show), and the case told.

A person called to a desk is marked attended or absent by the desk. A person who never
checked in is a no-show once the service's grace minutes after the start have passed: the
desk may mark it, and the background work marks the ones left (:func:`due_no_shows`), as it
marks, after the day ended, the people checked in whom no desk finished with.

When the appointment belongs to a case (a process booked it), the case gets the message
``turno_atendido`` or ``turno_ausente`` in the same transaction, with the payload every
appointment message carries (:func:`engine.appointments.case_news.payload`: ``codigo``,
``inicio``, ``estado`` — ``attended`` or ``no_show`` —, ``oficina``, ``servicio``) plus
``puesto``, the desk that called.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine import audit
from engine.appointments import case_news, tickets
from engine.appointments.models import Agenda, Appointment, Service
from engine.appointments.queue import called_at_desk, of_office, service_of
from engine.db import db
from engine.errors import Conflict
from engine.workflow import messages
from engine.workflow.step import EngineContext

ATTENDED_MESSAGE = "turno_atendido"
ABSENT_MESSAGE = "turno_ausente"
SYSTEM = "sistema"
#: Checked in, and called or still waiting: what a desk has not finished with.
WAITING = ("checked_in", "called")
UNATTENDED = "sin atender al cierre del día"


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
    return appointment.starts_at + timedelta(minutes=service_of(appointment).grace_minutes)


def due_no_shows(now: datetime, timezone: str, limit: int = 200) -> list[str]:
    """What the background work marks as no-shows, the oldest first: booked appointments never
    checked in whose grace has passed, and people checked in on a day that has ended whom no desk
    finished with (the case waiting for the visit must not wait for ever)."""
    query = (select(Appointment.id, Appointment.starts_at, Service.grace_minutes)
             .join(Agenda, Agenda.id == Appointment.agenda_id).join(Service, Service.id == Agenda.service_id)
             .where(Appointment.status == "booked", Appointment.starts_at <= now)
             .order_by(Appointment.starts_at).limit(limit * 4))
    late = [i for i, starts, grace in db.session.execute(query) if starts + timedelta(minutes=grace) <= now]
    today, _tomorrow = tickets.day_bounds(tickets.local_day(now, timezone), timezone)
    left = db.session.scalars(select(Appointment.id).where(Appointment.status.in_(WAITING),
                                                           Appointment.checked_in_at < today)
                              .order_by(Appointment.checked_in_at).limit(limit))
    return [*late[:limit], *left]


def mark_no_show(ctx: EngineContext, appointment_id: str) -> Appointment | None:
    """Mark one appointment a no-show for the background work, when it still is one."""
    found = db.session.get(Appointment, appointment_id)
    now = ctx.now()
    if found is None:
        return None
    if found.status == "booked" and now >= grace_ends(found):
        _finish(ctx, found, "no_show", by=SYSTEM, now=now)
        return found
    today, _tomorrow = tickets.day_bounds(tickets.local_day(now, ctx.timezone), ctx.timezone)
    if found.status in WAITING and found.checked_in_at is not None and found.checked_in_at < today:
        _finish(ctx, found, "no_show", by=SYSTEM, now=now, reason=UNATTENDED)
        return found
    return None


def _finish(ctx: EngineContext, appointment: Appointment, status: str, *, by: str, now: datetime,
            reason: str | None = None) -> None:
    appointment.status, appointment.finished_at = status, now
    db.session.flush()
    facts = {"appointment": appointment.id, "code": appointment.code, "ticket": appointment.ticket,
             "desk": appointment.desk, "starts_at": appointment.starts_at.isoformat()}
    if reason is not None:
        facts["reason"] = reason
    audit.record("appointment_attended" if status == "attended" else "appointment_no_show", by,
                 instance_id=appointment.instance_id, data=facts)
    if appointment.instance_id is not None:
        _tell_case(ctx, appointment, by)


def news_of(appointment: Appointment) -> dict[str, Any]:
    """The message's payload: what every appointment message says, and the desk that called."""
    news = case_news.payload(appointment)
    news["turno"]["puesto"] = appointment.desk
    return news


def _tell_case(ctx: EngineContext, appointment: Appointment, actor: str) -> None:
    name = ATTENDED_MESSAGE if appointment.status == "attended" else ABSENT_MESSAGE
    instance_id = appointment.instance_id
    if instance_id is None:
        return
    if messages.deliver_to_case(ctx, instance_id, name, news_of(appointment), actor) is None:
        audit.record("message_dropped", actor, instance_id=instance_id,
                     data={"name": name, "reason": "El caso no espera este mensaje.",
                           "appointment": appointment.id})
