"""The queue of an office: check-in at the kiosk, walk-in numbers, the order the desks call in, calling.

A person with an appointment checks in on its day with the code of the confirmation (its QR,
which a scanner types) or their document number, and gets a number of the day (``T-014``);
where the service allows it, a person without one takes a walk-in number (``S-015``) while the
office is open. The desks call in this order (:func:`waiting`): the appointments whose time
has come, by their time; then the walk-ins, by their number — served between the booked
ones —; then appointments checked in early (better served early than a desk idle).

What happens after the call (attended, absent, no-shows) is :mod:`engine.appointments.outcome`.
Every change is audited, on the case's chain when the appointment belongs to one.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Select, func, select, update

from engine import audit
from engine.appointments import booking, tickets
from engine.appointments.models import Agenda, Appointment, Closure, Office, OpeningHours, Service
from engine.db import db
from engine.deadlines.holidays import Calendar
from engine.errors import Conflict, NotFound, OperationRefused

#: How many recent calls the waiting-room display shows.
RECENT_CALLS = 6


class CheckInRefused(OperationRefused):
    """A check-in or a walk-in number the kiosk cannot give (the message says what to do)."""


def code_in(scanned: str) -> str:
    """The appointment code in what the kiosk read: the code itself, or a link that carries it
    (a ``codigo`` parameter, or else the link's last path segment), in capitals."""
    text = (scanned or "").strip()
    if "://" in text or text.startswith("/"):
        parts = urlsplit(text)
        query = parse_qs(parts.query)
        given = query.get("codigo") or query.get("code")
        segments = [s for s in parts.path.split("/") if s]
        text = given[0] if given else (segments[-1] if segments else "")
    return text.strip().upper()[:40]


def document_digits(text: str) -> str:
    """A document number as the booking stores it: letters and digits only (people type ``30.123.456``)."""
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()[:20]


def check_in_by_code(scanned: str, office_id: str, *, actor: str, now: datetime, timezone: str) -> Appointment:
    """Check in the appointment whose code the kiosk read.

    :raises CheckInRefused: for no appointment of today at this office with that code, or one
        whose time and grace passed.
    """
    code = code_in(scanned)
    found = db.session.scalar(_today_at(office_id, now, timezone).where(func.upper(Appointment.code) == code)) \
        if code else None
    return _check_in(found, office_id, actor=actor, now=now, timezone=timezone)


def check_in_by_document(document: str, office_id: str, *, actor: str, now: datetime, timezone: str) -> Appointment:
    """Check in the person's next appointment of today at this office, found by document number.

    :raises CheckInRefused: as :func:`check_in_by_code`.
    """
    digits = document_digits(document)
    if len(digits) < 6:
        raise CheckInRefused("Escriba su número de documento, sin puntos (por ejemplo, 30123456).")
    query = _today_at(office_id, now, timezone).where(func.upper(Appointment.document_number) == digits,
                                                      Appointment.status == "booked")
    candidates = list(db.session.scalars(query.order_by(Appointment.starts_at)))
    found = next((a for a in candidates if not _past_grace(a, now)), candidates[0] if candidates else None)
    return _check_in(found, office_id, actor=actor, now=now, timezone=timezone)


def _today_at(office_id: str, now: datetime, timezone: str) -> Select[Appointment]:
    """Today's booked appointments (of any state) at the office's agendas."""
    start, end = tickets.day_bounds(tickets.local_day(now, timezone), timezone)
    return (select(Appointment).join(Agenda, Agenda.id == Appointment.agenda_id)
            .where(Agenda.office_id == office_id, Appointment.kind == "booked",
                   Appointment.starts_at >= start, Appointment.starts_at < end))


def _check_in(found: Appointment | None, office_id: str, *, actor: str, now: datetime,
              timezone: str) -> Appointment:
    if found is None or found.status == "cancelled":
        raise CheckInRefused("No encontramos un turno para hoy en esta oficina con ese dato. Revise su "
                             "confirmación o consulte en la mesa de informes.")
    if found.status in ("checked_in", "called"):
        return found  # scanned twice: the same number, nothing changes
    if found.status != "booked":
        raise CheckInRefused("Ese turno ya fue atendido o cerrado. Consulte en la mesa de informes.")
    if _past_grace(found, now):
        raise CheckInRefused("Pasó la tolerancia de su turno. Consulte en la mesa de informes: puede pedir un "
                             "número sin turno o un turno nuevo.")
    found.status, found.checked_in_at = "checked_in", now
    found.ticket = tickets.next_ticket(office_id, "booked", now, timezone)
    db.session.flush()
    audit.record("appointment_checked_in", actor, instance_id=found.instance_id,
                 data={"appointment": found.id, "code": found.code, "ticket": found.ticket,
                       "starts_at": found.starts_at.isoformat()})
    return found


def _past_grace(appointment: Appointment, now: datetime) -> bool:
    service = service_of(appointment)
    return now > appointment.starts_at + timedelta(minutes=service.grace_minutes)


def service_of(appointment: Appointment) -> Service:
    """The service an appointment is for (through its agenda)."""
    agenda = db.session.get(Agenda, appointment.agenda_id)
    service = db.session.get(Service, agenda.service_id) if agenda is not None else None
    if service is None:  # pragma: no cover - foreign keys keep them
        raise NotFound("El servicio del turno no existe.")
    return service


def walk_in_agendas(office_id: str) -> list[tuple[Agenda, Service]]:
    """The agendas of the office whose service hands out walk-in numbers, by service name."""
    query = (select(Agenda, Service).join(Service, Service.id == Agenda.service_id)
             .where(Agenda.office_id == office_id, Agenda.active.is_(True), Service.active.is_(True),
                    Service.allows_walk_in.is_(True)).order_by(Service.name))
    return [(a, s) for a, s in db.session.execute(query)]


def take_walk_in(agenda_id: str, office_id: str, *, actor: str, now: datetime, calendar: Calendar) -> Appointment:
    """Hand a person without an appointment a number for a service of the office (while it is open).

    :raises CheckInRefused: when the service takes no walk-ins here or the office is closed now.
    """
    pair = next(((a, s) for a, s in walk_in_agendas(office_id) if a.id == agenda_id), None)
    if pair is None:
        raise CheckInRefused("Ese servicio no entrega números sin turno en esta oficina.")
    agenda, service = pair
    if not is_open(agenda, now, calendar):
        raise CheckInRefused("La oficina no atiende ese servicio en este momento. Consulte los horarios.")
    timezone = str(calendar.zone.key)
    walk_in = Appointment(code=booking.new_code(), agenda_id=agenda.id, kind="walk_in", starts_at=now,
                          ends_at=now + timedelta(minutes=service.slot_minutes), place=None, status="checked_in",
                          holder=None, booked_by=actor, booked_at=now, checked_in_at=now,
                          ticket=tickets.next_ticket(office_id, "walk_in", now, timezone))
    db.session.add(walk_in)
    db.session.flush()
    audit.record("appointment_walk_in", actor,
                 data={"appointment": walk_in.id, "ticket": walk_in.ticket, "service": service.id,
                       "office": office_id})
    return walk_in


def is_open(agenda: Agenda, moment: datetime, calendar: Calendar) -> bool:
    """Whether the agenda attends at ``moment``: a business day, within its hours, not closed."""
    local = moment.astimezone(calendar.zone)
    day = local.date()
    if not calendar.is_business_day(day):
        return False
    hours = db.session.scalars(select(OpeningHours).where(OpeningHours.agenda_id == agenda.id,
                                                          OpeningHours.weekday == day.weekday()))
    if not any(h.opens <= local.time() < h.closes for h in hours):
        return False
    closed = db.session.scalar(select(func.count()).select_from(Closure).where(
        Closure.office_id == agenda.office_id, Closure.first_day <= day, Closure.last_day >= day,
        (Closure.agenda_id.is_(None)) | (Closure.agenda_id == agenda.id)))
    return not closed


def waiting(office_id: str, service_ids: Collection[str] | None, now: datetime, timezone: str) -> list[Appointment]:
    """The people checked in today at the office (for some services), in the order the desks call them."""
    start, end = tickets.day_bounds(tickets.local_day(now, timezone), timezone)
    query = (select(Appointment).join(Agenda, Agenda.id == Appointment.agenda_id)
             .where(Agenda.office_id == office_id, Appointment.status == "checked_in",
                    Appointment.checked_in_at >= start, Appointment.checked_in_at < end))
    if service_ids is not None:
        query = query.where(Agenda.service_id.in_(list(service_ids)))
    rows = list(db.session.scalars(query))
    due = sorted((a for a in rows if a.kind == "booked" and a.starts_at <= now),
                 key=lambda a: (a.starts_at, a.checked_in_at, a.ticket or ""))  # a tie: who took a number first
    walk_ins = sorted((a for a in rows if a.kind == "walk_in"), key=lambda a: (a.checked_in_at, a.ticket or ""))
    early = sorted((a for a in rows if a.kind == "booked" and a.starts_at > now), key=lambda a: a.starts_at)
    return [*due, *walk_ins, *early]


def current_call(office_id: str, desk: str) -> Appointment | None:
    """The person the desk called and has not finished with."""
    return db.session.scalar(select(Appointment).join(Agenda, Agenda.id == Appointment.agenda_id)
                             .where(Agenda.office_id == office_id, Appointment.status == "called",
                                    Appointment.desk == desk).order_by(Appointment.called_at.desc()).limit(1))


def call_next(office_id: str, service_ids: Collection[str] | None, desk: str, *, by: str, now: datetime,
              timezone: str) -> Appointment | None:
    """Call the next person to the desk; ``None`` when nobody waits.

    Two desks calling at once never get the same person: the call claims the row only while it
    is still ``checked_in`` (one ``UPDATE``), and the desk that loses moves on to the next one.

    :raises Conflict: while the desk has a person called and not yet finished.
    :raises OperationRefused: without a desk name.
    """
    desk = " ".join((desk or "").split())[:40]
    if not desk:
        raise OperationRefused("Escriba el nombre de su puesto (por ejemplo, «Puesto 2») para llamar.")
    current = current_call(office_id, desk)
    if current is not None:
        raise Conflict(f"El puesto ya llamó al número {current.ticket}: márquelo como atendido o ausente antes de "
                       "llamar al siguiente.")
    for candidate in waiting(office_id, service_ids, now, timezone):
        claimed = db.session.execute(
            update(Appointment).where(Appointment.id == candidate.id, Appointment.status == "checked_in")
            .values(status="called", called_at=now, desk=desk).execution_options(synchronize_session=False))
        if claimed.rowcount:  # type: ignore[attr-defined]
            db.session.refresh(candidate)
            audit.record("appointment_called", by, instance_id=candidate.instance_id,
                         data={"appointment": candidate.id, "ticket": candidate.ticket, "desk": desk})
            return candidate
    return None


def called_at_desk(appointment_id: str, office_id: str) -> Appointment:
    """An appointment of the office that a desk called and has not finished with.

    :raises NotFound: for another office's or an unknown one.
    :raises Conflict: when it is not waiting at a desk any more.
    """
    found = of_office(appointment_id, office_id)
    if found.status != "called":
        raise Conflict(f"El número {found.ticket or found.code} ya no está llamado en un puesto.")
    return found


def of_office(appointment_id: str, office_id: str) -> Appointment:
    """An appointment of the office (load-or-404).

    :raises NotFound: for another office's or an unknown one.
    """
    found = db.session.get(Appointment, appointment_id)
    agenda = db.session.get(Agenda, found.agenda_id) if found is not None else None
    if found is None or agenda is None or agenda.office_id != office_id:
        raise NotFound("El turno no existe en esta oficina.")
    return found


def recall(appointment_id: str, office_id: str, *, by: str, now: datetime) -> Appointment:
    """Call the same number again (the display shows it as the newest call).

    :raises NotFound: as :func:`called_at_desk`.
    :raises Conflict: as :func:`called_at_desk`.
    """
    found = called_at_desk(appointment_id, office_id)
    found.recalled_at = now
    db.session.flush()
    audit.record("appointment_recalled", by, instance_id=found.instance_id,
                 data={"appointment": found.id, "ticket": found.ticket, "desk": found.desk})
    return found


def recent_calls(office_id: str, now: datetime, timezone: str, limit: int = RECENT_CALLS) -> list[Appointment]:
    """Today's calls at the office, the newest (or newly recalled) first: what the display shows.

    Only numbers and desks leave this function's callers: never names.
    """
    start, end = tickets.day_bounds(tickets.local_day(now, timezone), timezone)
    last_call = func.coalesce(Appointment.recalled_at, Appointment.called_at)
    query = (select(Appointment).join(Agenda, Agenda.id == Appointment.agenda_id)
             .where(Agenda.office_id == office_id, Appointment.called_at >= start, Appointment.called_at < end)
             .order_by(last_call.desc(), Appointment.id).limit(limit))
    return list(db.session.scalars(query))


def attended_here(groups: Collection[str] | None) -> list[tuple[Office, list[Service]]]:
    """The offices and services a person attends: their groups' services (``None``: every one), by name."""
    query = (select(Office, Service).join(Agenda, Agenda.office_id == Office.id)
             .join(Service, Service.id == Agenda.service_id)
             .where(Agenda.active.is_(True), Office.active.is_(True), Service.active.is_(True))
             .order_by(Office.name, Service.name))
    if groups is not None:
        query = query.where(Service.group.in_(list(groups)))
    offices: dict[str, tuple[Office, list[Service]]] = {}
    for office, service in db.session.execute(query):
        services = offices.setdefault(office.id, (office, []))[1]
        if service not in services:
            services.append(service)
    return list(offices.values())


def expected_today(office_id: str, service_ids: Collection[str], now: datetime, timezone: str) -> list[Appointment]:
    """Today's appointments not checked in yet (the ones past their grace may be marked absent), by time."""
    query = (_today_at(office_id, now, timezone).where(Appointment.status == "booked")
             .where(Agenda.service_id.in_(list(service_ids))).order_by(Appointment.starts_at))
    return list(db.session.scalars(query))


def service_names(office_id: str) -> dict[str, str]:
    """Agenda id -> the name of its service, for the office's agendas (what a desk shows beside a number)."""
    query = (select(Agenda.id, Service.name).join(Service, Service.id == Agenda.service_id)
             .where(Agenda.office_id == office_id))
    return {agenda_id: name for agenda_id, name in db.session.execute(query)}
