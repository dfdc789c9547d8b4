"""The supervisors' dashboard: backlog, throughput and time in step per procedure and group.

Backlog is one grouped count over the open tasks; throughput and time in step read the tasks
completed in the last weeks (index on ``completed_at``) and aggregate them here, where the
week of a date and a median are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from engine.db import db
from engine.models import Task
from engine.workflow import testcases

WEEKS = 8


@dataclass(frozen=True)
class Backlog:
    procedure: str
    group: str
    open: int
    overdue: int


@dataclass(frozen=True)
class Throughput:
    procedure: str
    group: str
    week: str  # ISO week, e.g. 2026-W48
    completed: int


@dataclass(frozen=True)
class StepTime:
    procedure: str
    group: str
    step: str
    completed: int
    median_hours: float


def _groups_filter(query: Any, groups: Iterable[str] | None) -> Any:
    """Every figure's common filter: the groups asked for, and never an analyst's test cases."""
    query = query.where(testcases.real_tasks())
    return query if groups is None else query.where(Task.candidate_group.in_(sorted(set(groups))))


def backlog(groups: Iterable[str] | None, now: datetime) -> list[Backlog]:
    """Open and overdue tasks per procedure and group (``groups=None``: every group)."""
    late = func.sum(case((Task.due_at < now, 1), else_=0))
    query = (select(Task.process_key, Task.candidate_group, func.count(), late)
             .where(Task.status == "ready", Task.candidate_group.is_not(None))
             .group_by(Task.process_key, Task.candidate_group).order_by(Task.process_key, Task.candidate_group))
    rows: Any = db.session.execute(_groups_filter(query, groups))
    return [Backlog(p, g, int(n), int(o or 0)) for p, g, n, o in rows]


def _completed(groups: Iterable[str] | None, now: datetime) -> Any:
    since = now - timedelta(weeks=WEEKS)
    query = (select(Task.process_key, Task.candidate_group, Task.name, Task.created_at, Task.completed_at)
             .where(Task.completed_at >= since, Task.status == "completed", Task.candidate_group.is_not(None)))
    return db.session.execute(_groups_filter(query, groups))


def _on_postgres() -> bool:
    return bool(db.session.get_bind().dialect.name == "postgresql")


def throughput(groups: Iterable[str] | None, now: datetime, timezone: str) -> list[Throughput]:
    """Tasks completed per ISO week (in the city's zone) over the last :data:`WEEKS` weeks."""
    if _on_postgres():
        return _throughput_sql(groups, now, timezone)
    zone = ZoneInfo(timezone)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for procedure, group, _name, _created, completed in _completed(groups, now):
        year, week, _day = completed.astimezone(zone).isocalendar()
        counts[(procedure, group, f"{year}-W{week:02d}")] += 1
    return [Throughput(p, g, w, n) for (p, g, w), n in sorted(counts.items())]


def _throughput_sql(groups: Iterable[str] | None, now: datetime, timezone: str) -> list[Throughput]:
    # PostgreSQL groups a year of tasks itself instead of sending every row here.
    week = func.to_char(func.timezone(timezone, Task.completed_at), 'IYYY-"W"IW')
    query = (select(Task.process_key, Task.candidate_group, week, func.count())
             .where(Task.completed_at >= now - timedelta(weeks=WEEKS), Task.status == "completed",
                    Task.candidate_group.is_not(None))
             .group_by(Task.process_key, Task.candidate_group, week)
             .order_by(Task.process_key, Task.candidate_group, week))
    rows: Any = db.session.execute(_groups_filter(query, groups))
    return [Throughput(p, g, w, int(n)) for p, g, w, n in rows]


def step_times(groups: Iterable[str] | None, now: datetime) -> list[StepTime]:
    """Median hours from a task's creation to its completion, per procedure, group and step."""
    if _on_postgres():
        return _step_times_sql(groups, now)
    spans: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for procedure, group, name, created, completed in _completed(groups, now):
        spans[(procedure, group, name)].append((completed - created).total_seconds() / 3600)
    return [StepTime(p, g, s, len(v), round(statistics.median(v), 1)) for (p, g, s), v in sorted(spans.items())]


def _step_times_sql(groups: Iterable[str] | None, now: datetime) -> list[StepTime]:
    hours = func.extract("epoch", Task.completed_at - Task.created_at) / 3600
    median = func.percentile_cont(0.5).within_group(hours)
    query = (select(Task.process_key, Task.candidate_group, Task.name, func.count(), median)
             .where(Task.completed_at >= now - timedelta(weeks=WEEKS), Task.status == "completed",
                    Task.candidate_group.is_not(None))
             .group_by(Task.process_key, Task.candidate_group, Task.name)
             .order_by(Task.process_key, Task.candidate_group, Task.name))
    rows: Any = db.session.execute(_groups_filter(query, groups))
    return [StepTime(p, g, s, int(n), round(float(m), 1)) for p, g, s, n, m in rows]
