"""``turnos/ofrecer``, ``turnos/reservar``, ``turnos/cancelar``: the turnero as engine operations.

A procedure books an appointment for its applicant in three moves: ``turnos/ofrecer`` leaves the
free slots of a service in the case's data as options (``[{"value", "label", …}]``, which a form
field lists with ``"anyOf": ["options_from_task_data_var:<variable>"]``); the applicant picks one
in a task of the case; ``turnos/reservar`` books the pick for the applicant, tied to the case. A
slot taken meanwhile is not an incident: the result says ``reservado: False`` with the reason, and
the procedure offers again. The case then waits for «turno_atendido» or «turno_ausente», which the
office's desk sends into it (``engine.appointments.queue``).

They run inside the step's transaction, on the case's own clock; what they write commits or rolls
back with the step. A test case (``facts["test_case"]``) never holds a real place: its booking is
a rehearsal that citizens' capacity does not pay for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine import audit
from engine.appointments import booking, links, slots
from engine.appointments.models import ACTIVE_STATES, Agenda, Appointment, Office, Service
from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.errors import NotFound, OperationRefused
from engine.identity.accounts import User
from engine.models import Instance
from engine.workflow.step import EngineContext

OFFER = "turnos/ofrecer"
BOOK = "turnos/reservar"
CANCEL = "turnos/cancelar"
#: The messages the office's desk sends into the case of an appointment.
ATTENDED_MESSAGE = "turno_atendido"
ABSENT_MESSAGE = "turno_ausente"
#: Who books for a process: the applicant holds the appointment, the procedure made it.
PROCESS_ACTOR = "proceso"
DEFAULT_OFFERED = 10
MAX_OFFERED = 50
_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_SEPARATOR = "|"


class AppointmentCallRefused(OperationRefused):
    """A turnos/* call that cannot succeed as written (an unknown service, a slot never offered)."""


def offer(ctx: EngineContext, params: dict[str, Any], facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The free slots of ``params["servicio"]`` (optionally at ``oficina``), soonest first.

    :param params: ``servicio`` (a service's id), ``oficina`` (an office's id, optional) and
        ``cantidad`` (how many slots at most, 10 by default, 50 at most).
    :return: one option per slot: ``value`` (what ``turnos/reservar`` takes), ``label`` (what
        the applicant reads, in the city's zone), ``inicio``/``fin`` (ISO 8601), ``oficina``,
        ``direccion``; an empty list when nothing is free within the service's horizon.
    :raises AppointmentCallRefused: for an unknown or inactive service or office, or a bad ``cantidad``.
    """
    instance = _instance(facts)
    service = _service(params.get("servicio"))
    office_id = _office_id(params.get("oficina"))
    limit = _count(params.get("cantidad"))
    found = slots.offered(service.id, now=ctx.clock_for(instance)(), calendar=city_calendar(ctx.timezone),
                          office_id=office_id, limit=limit)
    zone = ZoneInfo(ctx.timezone)
    return [_option(slot, zone) for slot in found]


def book(ctx: EngineContext, params: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """Book the slot ``params["turno"]`` (an offered option's ``value``) for the case's applicant.

    :param params: ``turno``; ``email`` and ``documento`` (the applicant's, for the reminder and
        the kiosk's check-in; the account's own by default).
    :return: ``reservado: True`` with the appointment (``codigo``, ``inicio``, ``fin``, ``oficina``,
        ``direccion``, ``servicio``, ``texto``, ``enlace``: the address of its page, where the
        person sees, moves or cancels it, with the platform's public address), or ``reservado: False`` with ``motivo``
        when the slot was taken meanwhile or can no longer be booked (offer again).
    :raises AppointmentCallRefused: when ``turno`` is not an offered slot's value.
    """
    instance = _instance(facts)
    agenda_id, starts_at = _parse_choice(params.get("turno"))
    if db.session.get(Agenda, agenda_id) is None:
        raise AppointmentCallRefused("«turno» no es uno de los turnos ofrecidos: su agenda no existe.")
    zone = ZoneInfo(ctx.timezone)
    held = _held_by_case(instance.id, agenda_id, starts_at)
    if held is not None:  # the same pick again (the step ran twice): the case keeps its appointment
        return _booked(held, zone, ctx.public_url)
    if facts.get("test_case"):
        return _rehearsal(instance, agenda_id, starts_at, zone, facts)
    holder = _applicant(instance)
    try:
        appointment = booking.book(
            agenda_id, starts_at, holder=instance.started_by, booked_by=PROCESS_ACTOR,
            now=ctx.clock_for(instance)(), instance_id=instance.id, calendar=city_calendar(ctx.timezone),
            email=_text(params.get("email")) or (holder.email if holder else None),
            document_number=_text(params.get("documento")) or (holder.dni if holder else None))
    except (booking.SlotTaken, booking.NotBookable, booking.LimitReached) as e:
        audit.record("appointment_not_booked", PROCESS_ACTOR, instance_id=instance.id,
                     element_id=facts.get("element_id"),
                     data={"agenda": agenda_id, "starts_at": starts_at.isoformat(), "reason": e.message})
        return {"reservado": False, "motivo": e.message}
    return _booked(appointment, zone, ctx.public_url)


def cancel(ctx: EngineContext, params: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """Cancel the case's appointment ``params["turno"]`` (its code, or ``turnos/reservar``'s result).

    :param params: ``turno`` and ``motivo`` (what the person reads in the cancellation).
    :return: ``cancelado: True``, or ``cancelado: False`` with ``estado`` when it had already
        ended (attended, absent or cancelled): cancelling twice is harmless.
    :raises AppointmentCallRefused: when ``turno`` names no appointment of this case, or ``motivo`` is empty.
    """
    instance = _instance(facts)
    reference = params.get("turno")
    code = reference.get("codigo") if isinstance(reference, dict) else reference
    reason = _text(params.get("motivo"))
    if not reason:
        raise AppointmentCallRefused("«motivo» es obligatorio: la persona lo lee en el aviso de cancelación.")
    if isinstance(reference, dict) and reference.get("prueba"):
        return {"cancelado": True, "prueba": True}
    appointment = db.session.scalar(select(Appointment).where(Appointment.code == code)) \
        if isinstance(code, str) else None
    if appointment is None or appointment.instance_id != instance.id:
        raise AppointmentCallRefused("«turno» debe nombrar un turno de este expediente: su código o el "
                                     "resultado de turnos/reservar.")
    if appointment.status not in ACTIVE_STATES:
        return {"cancelado": False, "estado": appointment.status}
    booking.cancel(appointment, by=PROCESS_ACTOR, reason=reason[:300], now=ctx.clock_for(instance)())
    return {"cancelado": True, "estado": appointment.status}


def choice_value(agenda_id: str, starts_at: datetime) -> str:
    """What an offered slot's option carries: its agenda and its start (UTC, ISO 8601)."""
    return f"{agenda_id}{_SEPARATOR}{starts_at.isoformat()}"


def slot_text(starts_at: datetime, office: Office | None, zone: ZoneInfo) -> str:
    """«lunes 14/12/2026, 09:00 h — Dirección de Comercio (San Martín 123)»."""
    local = starts_at.astimezone(zone)
    when = f"{_WEEKDAYS[local.weekday()]} {local:%d/%m/%Y}, {local:%H:%M} h"
    if office is None:
        return when
    return f"{when} — {office.name} ({office.address})"


def _option(slot: slots.Slot, zone: ZoneInfo) -> dict[str, Any]:
    office = _office_of(slot.agenda_id)
    return {"value": choice_value(slot.agenda_id, slot.starts_at), "label": slot_text(slot.starts_at, office, zone),
            "inicio": slot.starts_at.isoformat(), "fin": slot.ends_at.isoformat(),
            "oficina": office.name if office else "", "direccion": office.address if office else ""}


def _booked(appointment: Appointment, zone: ZoneInfo, public_url: str) -> dict[str, Any]:
    office = _office_of(appointment.agenda_id)
    agenda = db.session.get(Agenda, appointment.agenda_id)
    service = db.session.get(Service, agenda.service_id) if agenda else None
    return {"reservado": True, "codigo": appointment.code, "inicio": appointment.starts_at.isoformat(),
            "fin": appointment.ends_at.isoformat(), "oficina": office.name if office else "",
            "direccion": office.address if office else "", "servicio": service.name if service else "",
            "texto": slot_text(appointment.starts_at, office, zone),
            "enlace": public_url.rstrip("/") + links.manage_path(appointment)}


def _rehearsal(instance: Instance, agenda_id: str, starts_at: datetime, zone: ZoneInfo,
               facts: dict[str, Any]) -> dict[str, Any]:
    """A test case's booking: the answer a real one would give, without holding a citizen's place."""
    office = _office_of(agenda_id)
    audit.record("appointment_rehearsed", PROCESS_ACTOR, instance_id=instance.id, element_id=facts.get("element_id"),
                 data={"agenda": agenda_id, "starts_at": starts_at.isoformat()})
    return {"reservado": True, "prueba": True, "codigo": "PRUEBA", "inicio": starts_at.isoformat(), "fin": "",
            "oficina": office.name if office else "", "direccion": office.address if office else "",
            "servicio": "", "texto": slot_text(starts_at, office, zone), "enlace": ""}


def _held_by_case(instance_id: str, agenda_id: str, starts_at: datetime) -> Appointment | None:
    found: Appointment | None = db.session.scalar(select(Appointment).where(
        Appointment.instance_id == instance_id, Appointment.agenda_id == agenda_id,
        Appointment.starts_at == starts_at, Appointment.status.in_(ACTIVE_STATES)))
    return found


def _instance(facts: dict[str, Any]) -> Instance:
    instance = db.session.get(Instance, facts.get("instance_id"))
    if instance is None:
        raise NotFound("El expediente no existe.")
    return instance


def _applicant(instance: Instance) -> User | None:
    found: User | None = db.session.scalar(select(User).where(User.username == instance.started_by))
    return found


def _service(reference: Any) -> Service:
    service = db.session.get(Service, reference) if isinstance(reference, str) and reference else None
    if service is None or not service.active:
        raise AppointmentCallRefused(f"«servicio» debe nombrar un servicio activo del turnero (no «{reference}»).")
    return service


def _office_id(reference: Any) -> str | None:
    if reference in (None, ""):
        return None
    office = db.session.get(Office, reference) if isinstance(reference, str) else None
    if office is None or not office.active:
        raise AppointmentCallRefused(f"«oficina» debe nombrar una oficina activa del turnero (no «{reference}»).")
    return office.id


def _office_of(agenda_id: str) -> Office | None:
    agenda = db.session.get(Agenda, agenda_id)
    return db.session.get(Office, agenda.office_id) if agenda is not None else None


def _count(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_OFFERED
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_OFFERED:
        raise AppointmentCallRefused(f"«cantidad» debe ser un número entero de 1 a {MAX_OFFERED}.")
    return value


def _parse_choice(value: Any) -> tuple[str, datetime]:
    """The agenda and start an option's ``value`` carries (or a dict with ``agenda`` and ``inicio``)."""
    if isinstance(value, dict):
        value = choice_value(str(value.get("agenda", "")), _moment(value.get("inicio")))
    if not isinstance(value, str) or _SEPARATOR not in value:
        raise AppointmentCallRefused("«turno» debe ser el valor de uno de los turnos que ofreció turnos/ofrecer.")
    agenda_id, _sep, start = value.partition(_SEPARATOR)
    return agenda_id, _moment(start)


def _moment(text: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise AppointmentCallRefused("«turno» no trae un inicio válido (fecha y hora ISO 8601 con zona).")
    return moment


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
