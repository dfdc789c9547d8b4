"""Free slots of an agenda: computed from its opening hours, its service's slot length, the city's
calendar (holidays), the closures and the appointments already booked — a slot is never stored.

Opening hours are written in the city's zone; every slot is answered in UTC (what is stored), so a
page writes it back in the city's zone with :func:`engine.dates.moment_text`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from engine.appointments.models import ACTIVE_STATES, Agenda, Appointment, Closure, Office, OpeningHours, Service
from engine.db import db
from engine.deadlines.holidays import Calendar

#: How many days :func:`offered` looks at in one go before it has enough slots.
_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Slot:
    """A bookable time of an agenda and how many of its places are still free."""

    agenda_id: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    free_places: int


def bookable_days(service: Service, *, now: datetime, calendar: Calendar) -> tuple[date, date]:
    """The first and last day (in the city) a slot of ``service`` may be booked on: today up to its horizon."""
    today = calendar.local_date(now)
    return today, today + timedelta(days=max(service.horizon_days, 0))


def free_slots(agenda: Agenda, first_day: date, last_day: date, *, now: datetime,
               calendar: Calendar) -> list[Slot]:
    """The future slots of ``agenda`` between two days (both included) with at least one free place.

    Holidays of the calendar and the office's (or the agenda's) closures give no slots, nor days
    beyond the service's horizon; an inactive agenda, office or service has none.
    """
    plan = _plan(agenda)
    return [] if plan is None else _free(plan, first_day, last_day, now=now, calendar=calendar)


@dataclass(frozen=True)
class _Plan:
    """What an agenda's slots are made of, read once for several ranges of days."""

    agenda: Agenda
    service: Service
    hours: tuple[OpeningHours, ...]


def _plan(agenda: Agenda) -> _Plan | None:
    service = db.session.get(Service, agenda.service_id)
    office = db.session.get(Office, agenda.office_id)
    if service is None or office is None or not (agenda.active and service.active and office.active):
        return None
    hours = tuple(db.session.scalars(select(OpeningHours).where(OpeningHours.agenda_id == agenda.id)))
    return _Plan(agenda, service, hours)


def _free(plan: _Plan, first_day: date, last_day: date, *, now: datetime, calendar: Calendar) -> list[Slot]:
    agenda, service = plan.agenda, plan.service
    earliest, latest = bookable_days(service, now=now, calendar=calendar)
    first_day, last_day = max(first_day, earliest), min(last_day, latest)
    if first_day > last_day:
        return []
    times = _slot_times(plan, first_day, last_day, calendar, _closed_days(agenda, first_day, last_day))
    taken = _taken(agenda.id, first_day, last_day, calendar)
    length = timedelta(minutes=service.slot_minutes)
    return [Slot(agenda.id, start, start + length, agenda.desks - taken[start])
            for start in times if start > now and agenda.desks - taken[start] > 0]


def slot_at(agenda: Agenda, starts_at: datetime, *, now: datetime, calendar: Calendar) -> Slot | None:
    """The slot of ``agenda`` that starts exactly at ``starts_at`` when it exists and is free, else ``None``."""
    day = calendar.local_date(starts_at)
    wanted = starts_at.astimezone(UTC)
    return next((slot for slot in free_slots(agenda, day, day, now=now, calendar=calendar)
                 if slot.starts_at == wanted), None)


def offered(service_id: str, *, now: datetime, calendar: Calendar, office_id: str | None = None,
            limit: int = 20) -> list[Slot]:
    """The earliest free slots of a service (at one office, or at any), at most ``limit``, by start time."""
    service = db.session.get(Service, service_id)
    if service is None or not service.active or limit <= 0:
        return []
    query = select(Agenda).join(Office, Office.id == Agenda.office_id).where(
        Agenda.service_id == service_id, Agenda.active.is_(True), Office.active.is_(True))
    if office_id is not None:
        query = query.where(Agenda.office_id == office_id)
    plans = [plan for agenda in db.session.scalars(query.order_by(Agenda.office_id, Agenda.id))
             if (plan := _plan(agenda)) is not None]
    day, latest = bookable_days(service, now=now, calendar=calendar)
    found: list[Slot] = []
    while day <= latest and len(found) < limit:
        window_end = min(day + timedelta(days=_WINDOW_DAYS - 1), latest)
        for plan in plans:
            found.extend(_free(plan, day, window_end, now=now, calendar=calendar))
        day = window_end + timedelta(days=1)
    return sorted(found, key=lambda slot: (slot.starts_at, slot.agenda_id))[:limit]


def days_with_slots(agenda: Agenda, first_day: date, last_day: date, *, now: datetime,
                    calendar: Calendar) -> dict[date, int]:
    """How many free slots each day of a range has (days without any are left out): the booking calendar."""
    counts: Counter[date] = Counter()
    for slot in free_slots(agenda, first_day, last_day, now=now, calendar=calendar):
        counts[calendar.local_date(slot.starts_at)] += 1
    return dict(counts)


def _slot_times(plan: _Plan, first_day: date, last_day: date, calendar: Calendar,
                closed: set[date]) -> list[datetime]:
    """Every slot start (UTC) of the agenda's opening hours on the open days of the range."""
    length = timedelta(minutes=max(plan.service.slot_minutes, 1))
    starts: set[datetime] = set()
    day = first_day
    while day <= last_day:
        if day not in calendar.holidays and day not in closed:
            for opening in (h for h in plan.hours if h.weekday == day.weekday()):
                starts.update(_starts_within(day, opening.opens, opening.closes, length, calendar))
        day += timedelta(days=1)
    return sorted(starts)


def _starts_within(day: date, opens: time, closes: time, length: timedelta, calendar: Calendar) -> list[datetime]:
    """The starts of the whole slots that fit between ``opens`` and ``closes`` on ``day`` (local), in UTC."""
    start = datetime.combine(day, opens, tzinfo=calendar.zone)
    end = datetime.combine(day, closes, tzinfo=calendar.zone)
    starts = []
    while start + length <= end:
        starts.append(start.astimezone(UTC))
        start += length
    return starts


def _closed_days(agenda: Agenda, first_day: date, last_day: date) -> set[date]:
    """The days of the range a closure of the office, or of this agenda, covers."""
    closures = db.session.scalars(select(Closure).where(
        Closure.office_id == agenda.office_id,
        (Closure.agenda_id.is_(None)) | (Closure.agenda_id == agenda.id),
        Closure.first_day <= last_day, Closure.last_day >= first_day))
    closed: set[date] = set()
    for closure in closures:
        day = max(closure.first_day, first_day)
        while day <= min(closure.last_day, last_day):
            closed.add(day)
            day += timedelta(days=1)
    return closed


def _taken(agenda_id: str, first_day: date, last_day: date, calendar: Calendar) -> Counter[datetime]:
    """How many places each slot start of the range has taken by active appointments."""
    since = datetime.combine(first_day, time(0), tzinfo=calendar.zone).astimezone(UTC)
    until = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=calendar.zone).astimezone(UTC)
    rows = db.session.execute(
        select(Appointment.starts_at, func.count()).where(
            Appointment.agenda_id == agenda_id, Appointment.kind == "booked",
            Appointment.status.in_(ACTIVE_STATES), Appointment.starts_at >= since, Appointment.starts_at < until)
        .group_by(Appointment.starts_at))
    return Counter({_as_utc(start): count for start, count in rows})


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
