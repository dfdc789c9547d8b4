"""Agenda changes over booked days: a closure, other hours, fewer desks, another slot length, a stop.

No appointment disappears silently. A change is applied in two steps: :func:`affected` lists
the booked appointments the change leaves without a place (staff read the list before
confirming), then :func:`apply` checks that the list is still the one they read, saves the
change, cancels each of those appointments with the change's reason (``booking.cancel``,
audited on the appointment's case or the platform's chain) and writes to each person an e-mail
with the link to book again (``links.manage_path``) into the outbox, in the same transaction.
The change's own audit event names every appointment it cancelled and who was notified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from engine import audit
from engine.appointments import agendas, booking, case_news, links, mails
from engine.appointments.agendas import Ranges
from engine.appointments.models import ACTIVE_STATES, Agenda, Appointment, Closure, Office, Service
from engine.dates import date_text
from engine.db import db
from engine.deadlines.holidays import Calendar
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity.accounts import User
from engine.models import Instance
from engine.workflow.step import EngineContext

MAX_REASON = 300
MAX_CLOSURE_DAYS = 366


@dataclass(frozen=True)
class Change:
    """One agenda change: which agendas it touches and the timetable they will have.

    ``closed_days`` close whole days; ``week``, ``desks`` and ``slot_minutes`` replace the
    timetable of every agenda in ``agenda_ids`` (``None``: unchanged); ``inactive`` stops them.
    """

    kind: str  # "closure" | "timetable"
    agenda_ids: tuple[str, ...]
    reason: str
    closed_days: tuple[date, date] | None = None
    week: dict[int, Ranges] | None = None
    desks: int | None = None
    slot_minutes: int | None = None
    inactive: bool = False
    #: What the change's audit event says of it besides the cancellations (before and after).
    details: dict[str, Any] = field(default_factory=dict)
    #: What saves the change itself (the closure row, the hours…), run before the cancellations.
    save: Callable[[], Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Affected:
    """An appointment the change leaves without a place, as staff read it before confirming."""

    id: str
    code: str
    starts_at: datetime
    office: str
    service: str
    person: str
    email: str | None
    document_number: str | None
    case_number: str | None


class AffectedChanged(Conflict):
    """The appointments a change cancels are no longer the ones staff confirmed."""

    def __init__(self, found: list[Affected]) -> None:
        super().__init__("Mientras revisaba, cambiaron los turnos afectados: revise la lista nueva y "
                         "confirme otra vez.")
        self.found = found


def closure_change(office_id: str, agenda_id: str | None, first_day: date, last_day: date, reason: str, *,
                   by: str, now: datetime) -> Change:
    """A closure of a whole office (``agenda_id=None``) or of one of its agendas, from ``first_day`` to ``last_day``.

    :raises DataInvalid: unknown office or agenda, days in the wrong order or too many, no reason.
    """
    office = agendas.office(office_id)
    problems = reason_problems(reason)
    if last_day < first_day:
        problems.append({"field": "last_day", "message": "El último día no puede ser anterior al primero."})
    elif (last_day - first_day).days >= MAX_CLOSURE_DAYS:
        problems.append({"field": "last_day", "message": f"Un cierre abarca hasta {MAX_CLOSURE_DAYS} días."})
    ids = [a.id for a in db.session.scalars(select(Agenda).where(Agenda.office_id == office.id))]
    if agenda_id is not None:
        if agenda_id not in ids:
            problems.append({"field": "agenda", "message": "Esa agenda no es de esta oficina."})
        ids = [agenda_id]
    if problems:
        raise DataInvalid("Revise los datos marcados.", errors=problems)

    def save() -> Closure:
        closure = Closure(office_id=office.id, agenda_id=agenda_id, first_day=first_day, last_day=last_day,
                          reason=reason.strip(), created_by=by, created_at=now)
        db.session.add(closure)
        db.session.flush()
        return closure

    return Change("closure", tuple(ids), reason.strip(), closed_days=(first_day, last_day), save=save)


def timetable_change(agenda: Agenda, *, desks: int, week: dict[int, Ranges], active: bool, reason: str) -> Change:
    """New desks, opening hours or state of one agenda; a reason is needed only when it cancels appointments."""
    before = {"desks": agenda.desks, "active": agenda.active, "hours": agendas.hours_text(agendas.week_of(agenda.id))}
    after = {"desks": desks, "active": active, "hours": agendas.hours_text(week)}

    def save() -> None:
        agendas.write_hours(agenda, week)
        agenda.desks, agenda.active = desks, active
        db.session.flush()

    return Change("timetable", (agenda.id,), reason.strip(), week=week, desks=desks, inactive=not active, save=save,
                  details={"agenda": agenda.id, "before": before, "after": after})


def service_change(service: Service, *, slot_minutes: int, active: bool, reason: str,
                   save: Callable[[], Any]) -> Change:
    """A service's new slot length or state, over every agenda that offers it."""
    ids = tuple(db.session.scalars(select(Agenda.id).where(Agenda.service_id == service.id)))
    return Change("timetable", ids, reason.strip(), slot_minutes=slot_minutes, inactive=not active, save=save,
                  details={"service": service.id})


def reason_problems(reason: str) -> list[dict[str, str]]:
    if not reason.strip():
        return [{"field": "reason", "message": "Escriba el motivo: se lo informamos a cada persona afectada."}]
    if len(reason) > MAX_REASON:
        return [{"field": "reason", "message": f"El motivo admite hasta {MAX_REASON} caracteres."}]
    return []


# --- who is affected ---------------------------------------------------------------------------

def _upcoming(agenda_ids: tuple[str, ...], now: datetime) -> list[Appointment]:
    """The agendas' booked appointments still to come (active, not over), oldest booking first."""
    if not agenda_ids:
        return []
    query = (select(Appointment).where(Appointment.agenda_id.in_(agenda_ids), Appointment.kind == "booked",
                                       Appointment.status.in_(ACTIVE_STATES), Appointment.ends_at > now)
             .order_by(Appointment.starts_at, Appointment.booked_at, Appointment.id))
    return list(db.session.scalars(query))


def _losing(change: Change, now: datetime, zone: ZoneInfo) -> list[Appointment]:
    upcoming = _upcoming(change.agenda_ids, now)
    if change.inactive:
        return upcoming
    if change.closed_days is not None:
        first, last = change.closed_days
        return [a for a in upcoming if first <= a.starts_at.astimezone(zone).date() <= last]
    timetables = {a.id: _timetable(a, change) for a in db.session.scalars(
        select(Agenda).where(Agenda.id.in_(change.agenda_ids)))}
    outside = [a for a in upcoming if not _fits(a, *timetables[a.agenda_id], zone)]
    return outside + _beyond_desks([a for a in upcoming if a not in outside], timetables)


def _timetable(agenda: Agenda, change: Change) -> tuple[dict[int, Ranges], int, int]:
    week = change.week if change.week is not None else agendas.week_of(agenda.id)
    desks = change.desks if change.desks is not None else agenda.desks
    slot = change.slot_minutes or agendas.service(agenda.service_id).slot_minutes
    return week, desks, slot


def _fits(appointment: Appointment, week: dict[int, Ranges], _desks: int, slot: int, zone: ZoneInfo) -> bool:
    """Whether the appointment's start is still a slot of the timetable (on its grid, inside its hours)."""
    start = appointment.starts_at.astimezone(zone)
    minute = start.hour * 60 + start.minute
    for opens, closes in week.get(start.weekday(), []):
        first, end = opens.hour * 60 + opens.minute, closes.hour * 60 + closes.minute
        if first <= minute and minute + slot <= end and (minute - first) % slot == 0:
            return True
    return False


def _beyond_desks(kept: list[Appointment], timetables: dict[str, tuple[dict[int, Ranges], int, int]]
                  ) -> list[Appointment]:
    """The appointments a slot can no longer hold with fewer desks: the last booked of each slot (on a tie,
    the one in the higher place)."""
    by_slot: dict[tuple[str, datetime], list[Appointment]] = defaultdict(list)
    for appointment in kept:
        by_slot[(appointment.agenda_id, appointment.starts_at)].append(appointment)
    extra: list[Appointment] = []
    for (agenda_id, _start), held in by_slot.items():
        desks = timetables[agenda_id][1]
        extra += sorted(held, key=lambda a: (a.booked_at, a.place or 0, a.id))[desks:]
    return sorted(extra, key=lambda a: (a.starts_at, a.booked_at))


def affected(change: Change, *, now: datetime, timezone: str) -> list[Affected]:
    """The booked appointments ``change`` would cancel, by time, as staff read them."""
    return [_described(a) for a in _losing(change, now, ZoneInfo(timezone))]


def _described(appointment: Appointment) -> Affected:
    agenda = agendas.agenda(appointment.agenda_id)
    office, service = agendas.office(agenda.office_id), agendas.service(agenda.service_id)
    person = _holder(appointment)
    found = mails.recipient(appointment)
    case_number = (db.session.scalar(select(Instance.number).where(Instance.id == appointment.instance_id))
                   if appointment.instance_id else None)
    return Affected(id=appointment.id, code=appointment.code, starts_at=appointment.starts_at, office=office.name,
                    service=service.name, person=(person.display_name if person else None) or appointment.email or "",
                    email=found[0] if found else None, document_number=appointment.document_number,
                    case_number=case_number)


def _holder(appointment: Appointment) -> User | None:
    if not appointment.holder:
        return None
    return db.session.scalar(select(User).where(User.username == appointment.holder))


# --- applying it -------------------------------------------------------------------------------

@dataclass
class Applied:
    """What a confirmed change did: the appointments it cancelled and the e-mails it queued."""

    cancelled: list[Affected]
    emails: list[int]
    saved: Any = None


def apply(change: Change, confirmed: list[str], *, by: str, ctx: EngineContext) -> Applied:
    """Save ``change``, cancel the appointments it leaves without a place and queue each person's e-mail.

    A case an appointment belongs to hears «turno_cancelado» (the process decides what follows).

    :param confirmed: the ids of the affected appointments staff read (in any order).
    :param ctx: the request's engine context: the clock, the city's zone, the site's address.
    :return: what was cancelled and the outbox ids to hand over once the transaction commits.
    :raises AffectedChanged: the affected appointments are not those confirmed (nothing changed).
    :raises DataInvalid: appointments would be cancelled and the change has no reason.
    """
    _lock(change.agenda_ids)
    now, zone = ctx.now(), ZoneInfo(ctx.timezone)
    losing = _losing(change, now, zone)
    if sorted(a.id for a in losing) != sorted(set(confirmed)):
        raise AffectedChanged([_described(a) for a in losing])
    if losing and reason_problems(change.reason):
        raise DataInvalid("Revise los datos marcados.", errors=reason_problems(change.reason))
    described = [_described(a) for a in losing]
    for appointment in losing:  # first: the places they free may be renumbered by the change
        booking.cancel(appointment, by=by, reason=change.reason[:MAX_REASON], now=now)
        case_news.tell(ctx, appointment, case_news.CANCELLED_MESSAGE, by)
    db.session.flush()
    saved = change.save() if change.save is not None else None
    if change.desks is not None:
        _renumber(change.agenda_ids, change.desks, now)
    emails = [_notify(a, d, ctx.public_url, ctx.timezone, by) for a, d in zip(losing, described, strict=True)]
    audit.record(f"agenda_{change.kind}_applied", by, data={
        **change.details, "agendas": list(change.agenda_ids), "reason": change.reason,
        "closure": _closure_data(change, saved),
        "cancelled": [{"code": d.code, "starts_at": d.starts_at.isoformat(), "notified": bool(d.email)}
                      for d in described]})
    return Applied(cancelled=described, emails=[e for e in emails if e is not None], saved=saved)


def _closure_data(change: Change, saved: Any) -> dict[str, Any] | None:
    if change.closed_days is None:
        return None
    return {"id": getattr(saved, "id", None), "first_day": change.closed_days[0].isoformat(),
            "last_day": change.closed_days[1].isoformat()}


def _lock(agenda_ids: tuple[str, ...]) -> None:
    """Hold the agendas' rows until the commit: a booking that locks its agenda waits for the change.

    On SQLite, which has no row locks (and whose driver opens no transaction for reads), a no-op
    UPDATE takes the database's write lock before the affected appointments are read.
    """
    if not agenda_ids:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Agenda).where(Agenda.id.in_(agenda_ids)).values(desks=Agenda.desks)
                           .execution_options(synchronize_session=False))
        return
    db.session.execute(select(Agenda.id).where(Agenda.id.in_(agenda_ids)).with_for_update())


def _renumber(agenda_ids: tuple[str, ...], desks: int, now: datetime) -> None:
    """Move the appointments kept in a place beyond the new desks into a free place of their slot."""
    by_slot: dict[tuple[str, datetime], list[Appointment]] = defaultdict(list)
    for appointment in _upcoming(agenda_ids, now):
        by_slot[(appointment.agenda_id, appointment.starts_at)].append(appointment)
    for held in by_slot.values():
        free = sorted(set(range(1, desks + 1)) - {a.place for a in held})
        for appointment in (a for a in held if a.place is not None and a.place > desks):
            appointment.place = free.pop(0)
            db.session.flush()  # one at a time: the unique index checks each place as it moves


def _notify(appointment: Appointment, described: Affected, public_url: str, zone: str, by: str) -> int | None:
    """Queue the cancellation e-mail (its link offers to book again); audit who was or was not told."""
    link = public_url.rstrip("/") + links.manage_path(appointment)
    data = {"code": appointment.code, "email": described.email, "link": link}
    message_id = mails.queue(appointment, mails.CANCELLED, zone=zone, public_url=public_url)
    if described.email is None:
        audit.record("appointment_cancel_not_notified", by, instance_id=appointment.instance_id,
                     data={**data, "reason": "sin correo electrónico"})
    else:  # a test case's e-mail is kept without an id: it reaches no one
        audit.record("appointment_cancel_notified", by, instance_id=appointment.instance_id,
                     data={**data, "outbox": message_id})
    return message_id


def remove_closure(closure_id: str, *, by: str) -> Closure:
    """Open again the days of a closure (a mistaken one): slots come back; what it cancelled stays cancelled.

    :raises NotFound: no such closure.
    """
    closure = db.session.get(Closure, closure_id)
    if closure is None:
        raise NotFound("Ese cierre no existe.")
    audit.record("agenda_closure_removed", by, data={
        "closure": closure.id, "office": closure.office_id, "agenda": closure.agenda_id,
        "first_day": closure.first_day.isoformat(), "last_day": closure.last_day.isoformat(),
        "reason": closure.reason, "created_by": closure.created_by})
    db.session.delete(closure)
    db.session.flush()
    return closure


@dataclass(frozen=True)
class HolidayBookings:
    """Booked appointments on a day the city's calendar made a holiday after they were booked."""

    office_id: str
    office: str
    day: date
    count: int


def booked_on_holidays(now: datetime, calendar: Calendar) -> list[HolidayBookings]:
    """Per office and day, the appointments still booked on a holiday (added to the calendar after the
    booking): the office gives no slots that day, so staff close it here to tell the people."""
    found: dict[tuple[str, str, date], int] = defaultdict(int)
    ahead = [h for h in calendar.holidays if h >= calendar.local_date(now)]
    if not ahead:
        return []
    query = (select(Appointment.starts_at, Office.id, Office.name).join(Agenda, Agenda.id == Appointment.agenda_id)
             .join(Office, Office.id == Agenda.office_id)
             .where(Appointment.kind == "booked", Appointment.status.in_(ACTIVE_STATES), Appointment.ends_at > now))
    for starts_at, office_id, office in db.session.execute(query):
        day = calendar.local_date(starts_at)
        if day in calendar.holidays:
            found[(office, office_id, day)] += 1
    return [HolidayBookings(office_id, office, day, n) for (office, office_id, day), n in sorted(found.items())]


def closures_ahead(today: date) -> list[tuple[Closure, Office, Agenda | None]]:
    """The closures that have not ended yet, soonest first, with their office (and agenda)."""
    query = (select(Closure, Office).join(Office, Office.id == Closure.office_id)
             .where(Closure.last_day >= today).order_by(Closure.first_day, Office.name))
    return [(c, o, db.session.get(Agenda, c.agenda_id) if c.agenda_id else None) for c, o in db.session.execute(query)]


def days_text(first: date, last: date) -> str:
    """``05/12/2026`` or ``05/12/2026 al 09/12/2026``."""
    return date_text(first) if first == last else f"{date_text(first)} al {date_text(last)}"
