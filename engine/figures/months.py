"""Months in the city's zone: the month of a moment, its bounds in UTC, the months to recompute."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: A month's figures may still change this long after it ended (a case completed at 23:59
#: commits after midnight; a worker late by a few hours).
GRACE = timedelta(days=1)


def month_of(moment: datetime, timezone: str) -> date:
    """The first day of the city's month ``moment`` falls in."""
    return moment.astimezone(ZoneInfo(timezone)).date().replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after ``month``."""
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def bounds(month: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC moments the city's ``month`` starts and ends (end excluded)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(month, time(), zone)
    end = datetime.combine(next_month(month), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def between(first: date, last: date) -> list[date]:
    """Every month from ``first`` to ``last``, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def has_settled(month: date, now: datetime, timezone: str) -> bool:
    """Whether ``month`` ended more than :data:`GRACE` before ``now``."""
    return now >= bounds(month, timezone)[1] + GRACE


def label(month: date) -> str:
    """The month as the files write it: ``2026-03``."""
    return f"{month.year:04d}-{month.month:02d}"
