"""One month of every procedure: started, finished, refused, on time, time to finish, appointment wait.

Read from the index tables (``instances``, the case clock's ``clock_pauses``) and the turnero's
``appointments``; test cases never count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from engine.appointments.models import Appointment
from engine.db import db
from engine.deadlines.clock import duration_of
from engine.deadlines.holidays import Calendar
from engine.deadlines.models import ClockPause
from engine.figures import months, stats
from engine.figures.models import ProcedureMonth
from engine.models import Deployment, Instance
from engine.workflow.validation.outcome import refusal_of

#: Appointments that count as waited for: the person was given the slot and it came.
WAITED = ("booked", "checked_in", "called", "attended", "no_show")


@dataclass
class _Tally:
    """The month's figures of one procedure while they are being counted."""

    started: int = 0
    refused: int = 0
    with_term: int = 0
    on_time: int = 0
    days: list[int] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)


def compute(month: date, calendar: Calendar, timezone: str) -> dict[str, _Tally]:
    """The figures of ``month`` per procedure key (only procedures with something in the month)."""
    start, end = months.bounds(month, timezone)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    real = Instance.is_test.is_(False)
    started = select(Instance.process_key, func.count()).where(
        real, Instance.created_at >= start, Instance.created_at < end).group_by(Instance.process_key)
    for key, count in db.session.execute(started):
        tallies[key].started = count
    finished = db.session.execute(
        select(Instance.id, Instance.process_key, Instance.created_at, Instance.completed_at, Instance.data,
               Deployment.manifest)
        .join(Deployment, Deployment.id == Instance.deployment_id)
        .where(real, Instance.status == "completed", Instance.completed_at >= start, Instance.completed_at < end)
    ).all()
    paused = _paused_days([row.id for row in finished], calendar)
    for row in finished:
        _count_finished(tallies[row.process_key], row, paused.get(row.id, 0), calendar)
    for key, wait in _appointment_waits(start, end):
        tallies[key].waits.append(wait)
    return tallies


def _count_finished(tally: _Tally, row: Any, paused: int, calendar: Calendar) -> None:
    manifest: dict[str, Any] = row.manifest or {}
    tally.days.append(stats.business_days(calendar, row.created_at, row.completed_at))
    refusal = refusal_of(manifest)
    if refusal is not None and refusal.refuses(row.data):
        tally.refused += 1
    term = duration_of(manifest)
    if term is not None:
        tally.with_term += 1
        expected = calendar.add_business_days(calendar.local_date(row.created_at), term + paused)
        tally.on_time += calendar.local_date(row.completed_at) <= expected


def _paused_days(instance_ids: list[str], calendar: Calendar) -> dict[str, int]:
    """Business days each case's clock stood still (ended pauses; a pause left open ends with the case)."""
    paused: dict[str, int] = defaultdict(int)
    for chunk in _chunks(instance_ids, 500):
        rows = db.session.execute(select(ClockPause.instance_id, ClockPause.business_days, ClockPause.started_at,
                                         Instance.completed_at)
                                  .join(Instance, Instance.id == ClockPause.instance_id)
                                  .where(ClockPause.instance_id.in_(chunk)))
        for instance_id, days, started_at, completed_at in rows:
            if days is None:  # a pause left open ends with the case
                days = stats.business_days(calendar, started_at, completed_at) if completed_at else 0
            paused[instance_id] += days
    return paused


def _appointment_waits(start: datetime, end: datetime) -> Iterable[tuple[str, float]]:
    """(procedure key, days from booking to the appointment) of the turnero's appointments booked in the month."""
    rows = db.session.execute(
        select(Instance.process_key, Appointment.booked_at, Appointment.starts_at)
        .join(Instance, Instance.id == Appointment.instance_id)
        .where(Instance.is_test.is_(False), Appointment.booked_at >= start, Appointment.booked_at < end,
               Appointment.status.in_(WAITED)))
    for key, booked_at, starts_at in rows:
        yield key, round((starts_at - booked_at).total_seconds() / 86400, 2)


def store(month: date, tallies: dict[str, _Tally], final: bool, now: datetime) -> int:
    """Write ``month``'s rows (replacing the old ones) and return how many were written."""
    db.session.execute(ProcedureMonth.__table__.delete().where(ProcedureMonth.month == month))
    for key, tally in tallies.items():
        db.session.add(ProcedureMonth(
            process_key=key, month=month, started=tally.started, finished=len(tally.days), refused=tally.refused,
            with_term=tally.with_term, on_time=tally.on_time, median_days=stats.median(tally.days),
            p90_days=stats.percentile(tally.days, 90), appointment_wait_days=stats.median(tally.waits),
            appointments=len(tally.waits), final=final, computed_at=now))
    db.session.flush()
    return len(tallies)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
