"""One month of reclamos per category and hex cell: how many, how many still open, time to resolve.

A reclamo counts in the month it was made; it is resolved once its case ended (completed or
terminated), and its time to resolve runs in business days from being made to that end.
Reclamos without a usable point on the map count in the cell ``sin-ubicacion``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from engine.db import db
from engine.deadlines.holidays import Calendar
from engine.figures import hexgrid, months, stats
from engine.figures.models import ReclamoCell
from engine.intake.reclamos import PROCESS_KEY, point_of
from engine.models import Instance

ENDED = ("completed", "terminated")
NO_POINT = "sin-ubicacion"


@dataclass
class CellTally:
    """The reclamos of one category in one cell while they are being counted."""

    total: int = 0
    open: int = 0
    days: list[int] = field(default_factory=list)


def compute(month: date, calendar: Calendar, timezone: str, size_m: float) -> dict[tuple[str, str], CellTally]:
    """The reclamos made in ``month``, per (category, cell)."""
    start, end = months.bounds(month, timezone)
    rows = db.session.execute(
        select(Instance.status, Instance.data, Instance.created_at, Instance.completed_at)
        .where(Instance.process_key == PROCESS_KEY, Instance.is_test.is_(False),
               Instance.created_at >= start, Instance.created_at < end))
    tallies: dict[tuple[str, str], CellTally] = defaultdict(CellTally)
    for status, data, created_at, completed_at in rows:
        data = data or {}
        point = point_of(data)
        cell = hexgrid.cell_of(*point, size_m=size_m) if point else NO_POINT
        tally = tallies[(str(data.get("categoria") or "otros"), cell)]
        tally.total += 1
        if status in ENDED and completed_at is not None:
            tally.days.append(stats.business_days(calendar, created_at, completed_at))
        else:
            tally.open += 1
    return tallies


def store(month: date, tallies: dict[tuple[str, str], CellTally], final: bool, now: datetime) -> int:
    """Write ``month``'s rows (replacing the old ones) and return how many were written."""
    db.session.execute(ReclamoCell.__table__.delete().where(ReclamoCell.month == month))
    for (category, cell), tally in tallies.items():
        db.session.add(ReclamoCell(month=month, category=category, cell=cell, total=tally.total, open=tally.open,
                                   resolved=len(tally.days), median_days_to_resolve=stats.median(tally.days),
                                   final=final, computed_at=now))
    db.session.flush()
    return len(tallies)


def all_resolved(tallies: dict[tuple[str, str], CellTally]) -> bool:
    """Whether no reclamo of the month is still open (its figures can no longer move)."""
    return all(tally.open == 0 for tally in tallies.values())
