"""Read models of the dashboard's decisions: bottleneck steps, SLA breaches coming, forecasts.

Bottlenecks rank steps by how long cases wait in them: the median and 90th percentile of the
hours from a task's creation to its completion over the last weeks, and the tasks waiting now.
SLA breaches coming are the open tasks whose due date, and the open cases whose expected date
(:func:`engine.deadlines.clock.expected_date`), fall within the next business days of the city's
calendar.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engine.db import db
from engine.deadlines.clock import expected_date
from engine.deadlines.holidays import city_calendar
from engine.figures import queries as figures
from engine.forecasts.models import Forecast
from engine.models import Instance, Task
from engine.workflow import testcases
from worklists.queries.dashboard import WEEKS

BOTTLENECKS = 10
OPEN_CASES = ("running", "waiting", "error")


@dataclass(frozen=True)
class Bottleneck:
    procedure: str
    group: str
    step: str
    completed: int
    median_hours: float
    p90_hours: float
    waiting: int


@dataclass(frozen=True)
class DueSoon:
    kind: str  # "task" or "case"
    procedure: str
    group: str | None
    number: str
    what: str
    due: date


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile with linear interpolation (PostgreSQL's ``percentile_cont``)."""
    ordered = sorted(values)
    place = (len(ordered) - 1) * share
    low, high = math.floor(place), math.ceil(place)
    return ordered[low] + (ordered[high] - ordered[low]) * (place - low)


def _scoped(query: Any, groups: Iterable[str] | None) -> Any:
    query = query.where(testcases.real_tasks(), Task.candidate_group.is_not(None))
    return query if groups is None else query.where(Task.candidate_group.in_(sorted(set(groups))))


def bottlenecks(groups: Iterable[str] | None, now: datetime, limit: int = BOTTLENECKS) -> list[Bottleneck]:
    """The ``limit`` steps with the longest median wait (then p90), with the tasks waiting in them now."""
    spans: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    done = select(Task.process_key, Task.candidate_group, Task.name, Task.created_at, Task.completed_at).where(
        Task.status == "completed", Task.completed_at >= now - timedelta(weeks=WEEKS))
    for procedure, group, step, created, completed in db.session.execute(_scoped(done, groups)):
        spans[(procedure, group, step)].append((completed - created).total_seconds() / 3600)
    waiting_now = (select(Task.process_key, Task.candidate_group, Task.name, func.count())
                   .where(Task.status == "ready").group_by(Task.process_key, Task.candidate_group, Task.name))
    waiting = {(p, g, s): int(n) for p, g, s, n in db.session.execute(_scoped(waiting_now, groups))}
    rows = [Bottleneck(p, g, s, len(v), round(percentile(v, 0.5), 1), round(percentile(v, 0.9), 1),
                       waiting.get((p, g, s), 0)) for (p, g, s), v in spans.items()]
    rows.sort(key=lambda b: (-b.median_hours, -b.p90_hours, -b.waiting, b.procedure, b.step))
    return rows[:limit]


def horizon_end(now: datetime, timezone: str, business_days: int) -> tuple[date, datetime]:
    """The last day of the next ``business_days`` business days, and the end of that day."""
    calendar = city_calendar(timezone)
    last = calendar.add_business_days(calendar.local_date(now), business_days)
    return last, calendar.end_of_day(last)


def due_soon(groups: Iterable[str] | None, now: datetime, timezone: str, business_days: int) -> list[DueSoon]:
    """Open tasks and cases not yet late that fall due within the next ``business_days`` business days."""
    last, until = horizon_end(now, timezone, business_days)
    calendar = city_calendar(timezone)
    tasks = (select(Task.process_key, Task.candidate_group, Instance.number, Task.name, Task.due_at)
             .join(Instance, Instance.id == Task.instance_id)
             .where(Task.status == "ready", Task.due_at >= now, Task.due_at <= until).order_by(Task.due_at))
    rows = [DueSoon("task", p, g, n, s, calendar.local_date(d)) for p, g, n, s, d in db.session.execute(
        _scoped(tasks, groups))]
    return sorted(rows + _cases_due(groups, now, timezone, last), key=lambda r: (r.due, r.number, r.kind))


def _cases_due(groups: Iterable[str] | None, now: datetime, timezone: str, last: date) -> list[DueSoon]:
    """Open cases whose expected date is between today and ``last`` (a supervisor: where their groups work)."""
    today = city_calendar(timezone).local_date(now)
    query = select(Instance).where(Instance.status.in_(OPEN_CASES), Instance.is_test.is_(False))
    if groups is not None:
        theirs = select(Task.instance_id).where(Task.status == "ready",
                                                Task.candidate_group.in_(sorted(set(groups))))
        query = query.where(Instance.id.in_(theirs))
    rows = []
    for instance in db.session.scalars(query):
        due = expected_date(instance, now, timezone)
        if due is not None and today <= due <= last:
            rows.append(DueSoon("case", instance.process_key, None, instance.number, "", due))
    return rows


INDICATOR_MONTHS = 3


def indicators(k: int, since: date) -> list[figures.MonthFigure]:
    """Every procedure's public figures since ``since``, as published (the minimum count ``k`` applied).

    The same figures a citizen reads on ``/datos/``: staff of one group see every procedure's, so
    the minimum count that keeps a person from being read off them applies here too.
    """
    return figures.procedure_months(k, since=since)


def forecasts() -> list[Forecast]:
    """The stored forecasts, procedures first, then reclamo categories."""
    return list(db.session.scalars(select(Forecast).order_by(Forecast.subject_kind, Forecast.subject_key)))
