"""Booking, cancelling and moving an appointment: the one way every front (the portal, the
operations of a process, staff) changes who holds a slot.

No double booking under concurrent requests: a booking takes one free ``place`` of its slot by an
INSERT in a savepoint, and the partial unique index on (agenda, start, place) over active
appointments refuses a second holder of the same place, whichever request came first; the loser
tries the next place and, when none is left, gets :class:`SlotTaken`. Every change is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from engine import audit
from engine.appointments import case_news
from engine.appointments.models import ACTIVE_STATES, Agenda, Appointment, Office, Service
from engine.appointments.slots import slot_at
from engine.db import db, savepoint
from engine.deadlines.holidays import Calendar, city_calendar
from engine.errors import OperationRefused
from engine.settings import CITY_TIMEZONE
from engine.workflow.step import EngineContext

#: The code on the confirmation and its QR: no 0/O or 1/I to misread at the kiosk.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8
#: The message a case hears when its appointment was moved (payload: ``case_news.payload``).
MOVED_MESSAGE = "turno_reprogramado"

BOOKED = "appointment_booked"
CANCELLED = "appointment_cancelled"
MOVED = "appointment_moved"


class SlotTaken(OperationRefused):
    """Every place of the slot is taken (someone booked it first) or the slot is not offered."""

    status = 409
    title = "Turno no disponible"


class LimitReached(OperationRefused):
    """The person already holds as many active appointments of the service as it allows."""

    status = 409
    title = "Límite de turnos alcanzado"


class NotBookable(OperationRefused):
    """The agenda, its office or its service is unknown or inactive, or the appointment cannot change."""


def book(agenda_id: str, starts_at: datetime, *, holder: str | None, booked_by: str, now: datetime,
         email: str | None = None, document_number: str | None = None, instance_id: str | None = None,
         calendar: Calendar | None = None) -> Appointment:
    """Book a free place of the slot of ``agenda_id`` starting at ``starts_at`` (flushes, never commits).

    :param holder: the account that will hold it (a representative books for the party: holder is
        the party, ``booked_by`` the representative); ``None`` for a guest, who gives ``email``.
    :param calendar: the city's calendar; by default the city's zone and the holiday table.
    :raises NotBookable: an unknown or inactive agenda, office or service.
    :raises LimitReached: the person holds the service's limit of active appointments.
    :raises SlotTaken: the slot does not exist, is past or beyond the horizon, or is full.
    """
    return _book(agenda_id, starts_at, holder=holder, booked_by=booked_by, now=now, email=email,
                 document_number=document_number, instance_id=instance_id,
                 calendar=calendar or city_calendar(CITY_TIMEZONE), replacing=None)


def cancel(appointment: Appointment, *, by: str, reason: str, now: datetime) -> None:
    """Cancel an active appointment: its place is free again at once (flushes, never commits).

    A case the appointment belongs to is not told here (a process cancelling its own appointment
    must not hear of it mid-step); a front that cancels for a person calls :func:`case_news.tell`.

    :raises NotBookable: when it is no longer active (attended, absent or already cancelled).
    """
    if appointment.status not in ACTIVE_STATES:
        raise NotBookable("El turno ya no está vigente: no puede cancelarse.")
    appointment.status = "cancelled"
    appointment.cancelled_at = now
    appointment.cancel_reason = (reason or "").strip()[:300] or "Cancelado"
    db.session.flush()
    audit.record(CANCELLED, by, instance_id=appointment.instance_id,
                 data={**_facts(appointment), "reason": appointment.cancel_reason})


def move(appointment: Appointment, starts_at: datetime, *, by: str, now: datetime, agenda_id: str | None = None,
         calendar: Calendar | None = None, ctx: EngineContext | None = None) -> Appointment:
    """Move an appointment to another slot (of the same agenda, or of ``agenda_id`` of the same service).

    The new appointment records ``moved_from`` and keeps the holder, contact and case; the old one
    is cancelled. When the new slot cannot be booked nothing changes. With ``ctx``, a case the
    appointment belongs to hears «turno_reprogramado».

    :raises NotBookable: the appointment is not booked any more (checked in, over, cancelled), or
        the other agenda is not of the same service.
    :raises SlotTaken: the new slot is full or not offered.
    """
    if appointment.status != "booked" or appointment.kind != "booked":
        raise NotBookable("Solo un turno reservado que todavía no se usó puede reprogramarse.")
    target = agenda_id or appointment.agenda_id
    if target != appointment.agenda_id:
        old, new = db.session.get(Agenda, appointment.agenda_id), db.session.get(Agenda, target)
        if old is None or new is None or old.service_id != new.service_id:
            raise NotBookable("El turno solo puede pasarse a otra oficina del mismo servicio.")
    moved = _book(target, starts_at, holder=appointment.holder, booked_by=by, now=now, email=appointment.email,
                  document_number=appointment.document_number, instance_id=appointment.instance_id,
                  calendar=calendar or city_calendar(CITY_TIMEZONE), replacing=appointment)
    moved.moved_from = appointment.id
    appointment.status = "cancelled"
    appointment.cancelled_at = now
    appointment.cancel_reason = "Reprogramado"
    db.session.flush()
    audit.record(MOVED, by, instance_id=appointment.instance_id,
                 data={**_facts(moved), "moved_from": appointment.id, "previous_code": appointment.code,
                       "previous_starts_at": _iso(appointment.starts_at)})
    if ctx is not None and moved.instance_id is not None:
        case_news.tell(ctx, moved, MOVED_MESSAGE, by)
    return moved


def active_count(service_id: str, *, holder: str | None, email: str | None, excluding: str | None = None) -> int:
    """Active appointments a person (an account, or a guest by e-mail) holds for a service."""
    query = select(func.count()).select_from(Appointment).join(Agenda, Agenda.id == Appointment.agenda_id).where(
        Agenda.service_id == service_id, Appointment.status.in_(ACTIVE_STATES), Appointment.kind == "booked")
    if holder is not None:
        query = query.where(Appointment.holder == holder)
    elif email:
        query = query.where(Appointment.holder.is_(None), func.lower(Appointment.email) == email.strip().lower())
    else:
        return 0
    if excluding is not None:
        query = query.where(Appointment.id != excluding)
    return int(db.session.scalar(query) or 0)


def _book(agenda_id: str, starts_at: datetime, *, holder: str | None, booked_by: str, now: datetime,
          email: str | None, document_number: str | None, instance_id: str | None, calendar: Calendar,
          replacing: Appointment | None) -> Appointment:
    agenda, service = _bookable(agenda_id)
    if holder is None and not email:
        raise NotBookable("Indique la cuenta o el correo electrónico de quien tendrá el turno.")
    _serialise_person(service.id, agenda.id, holder, email)
    _hold_agenda(agenda)
    excluding = replacing.id if replacing else None
    _check_limit(service, holder=holder, email=email, excluding=excluding, held_now=0)
    slot = slot_at(agenda, starts_at, now=now, calendar=calendar)
    if slot is None:
        raise SlotTaken("Ese horario ya no está disponible: otra persona lo reservó o ya pasó. Elija otro horario.")
    appointment = _take_place(agenda, slot.starts_at, slot.ends_at, holder=holder, booked_by=booked_by, now=now,
                              email=email, document_number=document_number, instance_id=instance_id)
    try:
        # Counted again with the new row in: whatever serialised this booking, no other of the
        # same person may have slipped in between the first count and the INSERT.
        _check_limit(service, holder=holder, email=email, excluding=excluding, held_now=1)
    except LimitReached:
        db.session.delete(appointment)
        db.session.flush()
        raise
    audit.record(BOOKED, booked_by, instance_id=instance_id, data=_facts(appointment))
    return appointment


def _check_limit(service: Service, *, holder: str | None, email: str | None, excluding: str | None,
                 held_now: int) -> None:
    """Refuse when the person holds more than the service's limit (``held_now``: the new one, when
    already inserted)."""
    limit = max(service.per_person_limit, 1)
    held = active_count(service.id, holder=holder, email=email, excluding=excluding) - held_now
    if held >= limit:
        raise LimitReached(f"Ya tiene {held} turno(s) vigente(s) para «{service.name}», el máximo por persona. "
                           "Cancele o use el que tiene antes de pedir otro.")


def _serialise_person(service_id: str, agenda_id: str, holder: str | None, email: str | None) -> None:
    """One booking at a time per person and service, so two parallel requests of a hoarder cannot
    both pass the limit.

    On PostgreSQL, a transaction-scoped advisory lock. On SQLite, a no-op UPDATE takes the
    database's write lock before anything is read: writers are serialised until the commit, what
    is read next is current, and the transaction is open before the savepoint of the INSERT (the
    SQLite driver opens none for reads, and releasing a savepoint that began the transaction
    would commit the booking there and then).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Agenda).where(Agenda.id == agenda_id).values(desks=Agenda.desks)
                           .execution_options(synchronize_session=False))
        return
    if db.session.get_bind().dialect.name != "postgresql":
        return
    person = holder or f"correo:{(email or '').strip().lower()}"
    digest = hashlib.sha256(f"turnos:{service_id}:{person}".encode()).digest()
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                       {"key": int.from_bytes(digest[:8], "big", signed=True)})


def _hold_agenda(agenda: Agenda) -> None:
    """Hold the agenda until the commit and read it again, before its slots are worked out.

    A closure, an hours change or fewer desks lock the agenda for update while they cancel the
    appointments they leave without a place (``closures.apply``): a booking under way makes
    them wait, so they find it and cancel it too; a booking that comes during one waits, then
    reads the closure or the new hours and is refused. Bookings share the lock among themselves
    (PostgreSQL); on SQLite the write lock :func:`_serialise_person` took already serialises them.
    """
    query = select(Agenda).where(Agenda.id == agenda.id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    db.session.execute(query)


def _bookable(agenda_id: str) -> tuple[Agenda, Service]:
    agenda = db.session.get(Agenda, agenda_id)
    service = db.session.get(Service, agenda.service_id) if agenda is not None else None
    office = db.session.get(Office, agenda.office_id) if agenda is not None else None
    if agenda is None or service is None or office is None or not (agenda.active and service.active and office.active):
        raise NotBookable("Esa agenda no existe o no atiende con turnos en este momento.")
    return agenda, service


def _take_place(agenda: Agenda, starts_at: datetime, ends_at: datetime, *, holder: str | None, booked_by: str,
                now: datetime, email: str | None, document_number: str | None,
                instance_id: str | None) -> Appointment:
    """Insert the appointment into the first place of the slot nobody holds; the unique index
    decides between concurrent requests (the loser's savepoint is rolled back)."""
    taken = set(db.session.scalars(select(Appointment.place).where(
        Appointment.agenda_id == agenda.id, Appointment.starts_at == starts_at,
        Appointment.status.in_(ACTIVE_STATES))))
    for place in (p for p in range(1, agenda.desks + 1) if p not in taken):
        appointment = Appointment(code=new_code(), agenda_id=agenda.id, kind="booked", starts_at=starts_at,
                                  ends_at=ends_at, place=place, status="booked", holder=holder,
                                  booked_by=booked_by, email=(email or "").strip() or None,
                                  document_number=_document(document_number), instance_id=instance_id,
                                  booked_at=now, manage_token=secrets.token_urlsafe(24))
        try:
            with savepoint():
                db.session.add(appointment)
        except IntegrityError:
            continue  # someone took this place meanwhile: the next one, if any
        return appointment
    raise SlotTaken("Ese horario acaba de ocuparse: otra persona lo reservó antes. Elija otro horario.")


def new_code() -> str:
    """A fresh public code for the confirmation and the kiosk (8 characters, about 10¹² values)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def _document(number: str | None) -> str | None:
    digits = "".join(ch for ch in (number or "") if ch.isalnum())
    return digits[:20] or None


def _facts(appointment: Appointment) -> dict[str, object]:
    """What the audit trail keeps of an appointment (no e-mail or document number: personal data)."""
    agenda = db.session.get(Agenda, appointment.agenda_id)
    return {"appointment": appointment.id, "code": appointment.code, "agenda": appointment.agenda_id,
            "office": agenda.office_id if agenda else None, "service": agenda.service_id if agenda else None,
            "starts_at": _iso(appointment.starts_at), "place": appointment.place, "holder": appointment.holder,
            "guest": appointment.holder is None}


def _iso(moment: datetime) -> str:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()
