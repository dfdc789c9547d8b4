"""Booking without an account, where the service allows it: the slot is booked only once the
person follows the link sent to their e-mail address (which proves it is theirs and gives the
appointment's e-mails somewhere to go).

The link is a one-time link (``engine.identity.one_time_links``): its token's hash is stored with
the slot asked for; following it books the slot then, as the person (a slot taken meanwhile is
refused like any booking, and the person picks another).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from engine import audit
from engine.appointments import booking
from engine.appointments.models import Agenda, Appointment, GuestRequest, Service
from engine.appointments.slots import slot_at
from engine.db import db
from engine.deadlines.holidays import Calendar
from engine.errors import DataInvalid
from engine.identity import one_time_links
from engine.identity.one_time_links import LinkRefused

SALT = "turnos-invitado"
VALID_FOR = timedelta(hours=2)
GUEST = "invitado"
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_DOCUMENT = re.compile(r"^\d{7,8}$")
REQUESTED = "appointment_guest_requested"


def ask(agenda_id: str, starts_at: datetime, *, email: str, document_number: str, now: datetime,
        calendar: Calendar, secret_key: str) -> tuple[GuestRequest, str]:
    """Record a guest's request for a slot; the request and the token of its link (flushes).

    :raises DataInvalid: a malformed e-mail address or document number (``errors`` per field).
    :raises booking.NotBookable: the service does not take guest bookings.
    :raises booking.SlotTaken: the slot is not free now.
    :raises booking.LimitReached: the address already holds the service's limit.
    """
    email, document_number = email.strip(), re.sub(r"\D", "", document_number or "")
    problems = []
    if not _ADDRESS.match(email) or len(email) > 254:
        problems.append({"field": "email", "message": "Escriba un correo electrónico válido, como nombre@ejemplo.com."})
    if not _DOCUMENT.match(document_number):
        problems.append({"field": "documento", "message": "Escriba su número de documento, sin puntos (7 u 8 cifras)."})
    if problems:
        raise DataInvalid("Revise sus datos.", errors=problems)
    agenda = db.session.get(Agenda, agenda_id)
    service = db.session.get(Service, agenda.service_id) if agenda is not None else None
    if agenda is None or service is None or not service.allows_guest or service.process_only:
        raise booking.NotBookable("Este servicio pide ingresar con una cuenta para reservar un turno.")
    if booking.active_count(service.id, holder=None, email=email) >= max(service.per_person_limit, 1):
        raise booking.LimitReached(f"Ese correo ya tiene el máximo de turnos vigentes para «{service.name}».")
    slot = slot_at(agenda, starts_at, now=now, calendar=calendar)
    if slot is None:
        raise booking.SlotTaken("Ese horario ya no está disponible: otra persona lo reservó o ya pasó. "
                                "Elija otro horario.")
    token_hash, token = one_time_links.issue(secret_key, SALT)
    request = GuestRequest(token_hash=token_hash, agenda_id=agenda.id, starts_at=slot.starts_at, email=email,
                           document_number=document_number, created_at=now, expires_at=now + VALID_FOR)
    db.session.add(request)
    db.session.flush()
    audit.record(REQUESTED, GUEST, data={"request": request.id, "agenda": agenda.id,
                                         "starts_at": slot.starts_at.isoformat()})
    return request, token


def pending(token: str, *, now: datetime, secret_key: str) -> GuestRequest:
    """The request a guest's link names, while it can still be confirmed; reads only.

    Following the link shows this; the booking waits for the person's own confirmation (a POST),
    since mail scanners and link previews open every link they see.

    :raises LinkRefused: tampered, unknown, expired or used.
    """
    return one_time_links.open_link(token, secret_key=secret_key, salt=SALT, valid_for=VALID_FOR, now=now,
                                    find=_by_hash)


def confirm(token: str, *, now: datetime, calendar: Calendar, secret_key: str) -> Appointment:
    """Follow a guest's link: book the slot asked for (flushes); the link works once.

    :raises LinkRefused: tampered, unknown, expired or used.
    :raises booking.SlotTaken / booking.LimitReached: as :func:`booking.book` (the link stays usable
        until it expires, so the person is not left without a way to book).
    """
    request = one_time_links.open_link(token, secret_key=secret_key, salt=SALT, valid_for=VALID_FOR, now=now,
                                       find=_by_hash)
    appointment = booking.book(request.agenda_id, request.starts_at, holder=None, booked_by=GUEST, now=now,
                               email=request.email, document_number=request.document_number, calendar=calendar)
    request.used_at, request.appointment_id = now, appointment.id
    db.session.flush()
    return appointment


def _by_hash(token_hash: str) -> GuestRequest | None:
    return db.session.scalar(select(GuestRequest).where(GuestRequest.token_hash == token_hash))


__all__ = ["LinkRefused", "ask", "confirm", "pending"]
