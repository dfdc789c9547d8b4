"""The turnero's figures for supervisors: bookings, attendance, no-shows and waiting time, per service and office.

Over the days asked for (in the city's zone), by the day each appointment was for:

- ``booked``: appointments booked for those days, whatever became of them — except those
  replaced by a move (the new one counts instead, on its own day);
- ``walk_ins``: numbers taken at the kiosk without an appointment;
- ``attended``, ``no_shows``: what the desk recorded, appointments and walk-ins alike;
- ``cancelled``: booked appointments cancelled (by the person, staff or an agenda change);
- waiting time: from check-in to the desk's call, in minutes (median and longest), for
  everyone called. Appointments of an analyst's test case never count.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.appointments.models import Agenda, Appointment, Office, Service
from engine.db import db
from engine.models import Instance


@dataclass(frozen=True)
class Figures:
    """One service at one office over the days asked for."""

    service_id: str
    service: str
    office_id: str
    office: str
    booked: int
    walk_ins: int
    attended: int
    no_shows: int
    cancelled: int
    waiting_median_minutes: float | None
    waiting_longest_minutes: float | None


def day_bounds(first_day: date, last_day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC moments from the start of ``first_day`` to the end of ``last_day`` in the city."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_day, time(0), tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def figures(first_day: date, last_day: date, *, timezone: str, groups: Iterable[str] | None = None) -> list[Figures]:
    """The figures of each service and office with appointments in the days, by service and office name.

    :param groups: the staff groups whose services to count (a supervisor's); ``None``: every service.
    """
    start, end = day_bounds(first_day, last_day, timezone)
    moved_away = select(Appointment.moved_from).where(Appointment.moved_from.is_not(None))
    tests = select(Instance.id).where(Instance.is_test.is_(True))
    query = (select(Appointment, Service, Office).join(Agenda, Agenda.id == Appointment.agenda_id)
             .join(Service, Service.id == Agenda.service_id).join(Office, Office.id == Agenda.office_id)
             .where(Appointment.starts_at >= start, Appointment.starts_at < end, Appointment.id.not_in(moved_away),
                    (Appointment.instance_id.is_(None)) | Appointment.instance_id.not_in(tests)))
    if groups is not None:
        query = query.where(Service.group.in_(sorted(set(groups))))
    rows: dict[tuple[str, str, str, str], list[Appointment]] = defaultdict(list)
    for appointment, service, office in db.session.execute(query):
        rows[(service.name, office.name, service.id, office.id)].append(appointment)
    return [_figures(service_id, service, office_id, office, held)
            for (service, office, service_id, office_id), held in sorted(rows.items())]


def _figures(service_id: str, service: str, office_id: str, office: str, held: list[Appointment]) -> Figures:
    waits = [(a.called_at - a.checked_in_at).total_seconds() / 60 for a in held
             if a.called_at is not None and a.checked_in_at is not None]
    return Figures(
        service_id=service_id, service=service, office_id=office_id, office=office,
        booked=sum(1 for a in held if a.kind == "booked"),
        walk_ins=sum(1 for a in held if a.kind == "walk_in"),
        attended=sum(1 for a in held if a.status == "attended"),
        no_shows=sum(1 for a in held if a.status == "no_show"),
        cancelled=sum(1 for a in held if a.kind == "booked" and a.status == "cancelled"),
        waiting_median_minutes=round(statistics.median(waits), 1) if waits else None,
        waiting_longest_minutes=round(max(waits), 1) if waits else None,
    )


def totals(rows: list[Figures]) -> Figures:
    """Every row added up (the waiting times are not: they stay empty)."""
    return Figures(service_id="", service="", office_id="", office="",
                   booked=sum(r.booked for r in rows), walk_ins=sum(r.walk_ins for r in rows),
                   attended=sum(r.attended for r in rows), no_shows=sum(r.no_shows for r in rows),
                   cancelled=sum(r.cancelled for r in rows), waiting_median_minutes=None,
                   waiting_longest_minutes=None)
