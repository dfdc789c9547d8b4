"""The incremental refresh the background work runs: only the months that can still change.

A procedure-month is final once it ended (plus :data:`months.GRACE`): its cases are counted by
their own creation and completion moments, which never move. A reclamos-month is final once it
ended and none of its reclamos is open any more. ``figures_months`` remembers both per month
(also for a month without cases), and a final part is never recomputed, so with a city's
history a refresh reads the current month and the few with open reclamos.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.figures import hexgrid, months, procedures, reclamos
from engine.figures.models import FiguresMonth
from engine.models import Instance


def pending_months(now: datetime, timezone: str) -> list[date]:
    """The months from the first case to ``now``'s that are not final yet, oldest first."""
    first = db.session.scalar(select(func.min(Instance.created_at)).where(Instance.is_test.is_(False)))
    if first is None:
        return []
    done = set(db.session.scalars(select(FiguresMonth.month).where(FiguresMonth.procedures_final,
                                                                   FiguresMonth.reclamos_final)))
    every = months.between(months.month_of(first, timezone), months.month_of(now, timezone))
    return [m for m in every if m not in done]


def refresh_month(month: date, now: datetime, timezone: str, size_m: float = hexgrid.DEFAULT_SIZE_M) -> int:
    """Recompute ``month``'s procedure and reclamos rows; flush, never commit.

    :return: how many rows were written.
    """
    calendar = city_calendar(timezone)
    state = db.session.get(FiguresMonth, month) or FiguresMonth(month=month)
    settled = months.has_settled(month, now, timezone)
    written = 0
    if not state.procedures_final:
        written += procedures.store(month, procedures.compute(month, calendar, timezone), settled, now)
        state.procedures_final = settled
    if not state.reclamos_final:
        cells = reclamos.compute(month, calendar, timezone, size_m)
        state.reclamos_final = settled and reclamos.all_resolved(cells)
        written += reclamos.store(month, cells, state.reclamos_final, now)
    state.computed_at = now
    db.session.add(state)
    db.session.flush()
    return written


def refresh(now: datetime, timezone: str, size_m: float = hexgrid.DEFAULT_SIZE_M) -> list[date]:
    """Recompute every pending month in the current transaction (the command line and tests).

    :return: the months recomputed.
    """
    pending = pending_months(now, timezone)
    for month in pending:
        refresh_month(month, now, timezone, size_m)
    return pending
