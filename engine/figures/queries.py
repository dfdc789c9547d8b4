"""What the public pages and the open data read: a few hundred aggregate rows, k applied.

A procedure-month's counts are always shown; a rate or a time only when the cases it comes from
are at least ``k`` (one refused case among two finished would say what happened to a person).
A reclamos row (month, category, cell) is left out whole when it holds fewer than ``k`` reclamos.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from engine.db import db
from engine.figures.models import ProcedureMonth, ReclamoCell
from engine.workflow.deployments import catalogue

#: The minimum count published (``FIGURES_MIN_COUNT``), unless the setting says otherwise.
DEFAULT_MIN_COUNT = 5


@dataclass(frozen=True)
class MonthFigure:
    """One procedure's month as the public sees it (``None``: not published, too few cases)."""

    process_key: str
    month: date
    started: int
    finished: int
    median_days: float | None
    p90_days: float | None
    on_time_share: float | None
    refused_share: float | None
    appointment_wait_days: float | None


@dataclass(frozen=True)
class Procedure:
    """A procedure the figures name: its key, its name and whether it declares a refusal and a term."""

    key: str
    name: str
    declares_refusal: bool
    declares_term: bool


@dataclass(frozen=True)
class CellFigure:
    """The reclamos of one category made in one month in one hex cell."""

    month: date
    category: str
    cell: str
    total: int
    open: int
    resolved: int
    median_days_to_resolve: float | None


def _share(part: int, whole: int, k: int) -> float | None:
    return round(part / whole, 4) if whole >= k and whole > 0 else None


def _published(row: ProcedureMonth, k: int, refusing: set[str]) -> MonthFigure:
    enough = row.finished >= k
    refused = _share(row.refused, row.finished, k) if row.process_key in refusing else None
    return MonthFigure(
        process_key=row.process_key, month=row.month, started=row.started, finished=row.finished,
        median_days=row.median_days if enough else None, p90_days=row.p90_days if enough else None,
        on_time_share=_share(row.on_time, row.with_term, k), refused_share=refused,
        appointment_wait_days=row.appointment_wait_days if row.appointments >= k else None)


def procedures() -> list[Procedure]:
    """The procedures with figures, by name (their newest real version names them)."""
    with_rows = set(db.session.scalars(select(ProcedureMonth.process_key).distinct()))
    return [Procedure(d.key, d.name, bool((d.manifest or {}).get("rechazo")),
                      (d.manifest or {}).get("plazo_dias_habiles") is not None)
            for d in catalogue() if d.key in with_rows]


def procedure_months(k: int, process_key: str | None = None, since: date | None = None) -> list[MonthFigure]:
    """Every procedure-month (or one procedure's), oldest first, with k applied (and no share refused
    for a procedure that does not say what «refused» is)."""
    query = select(ProcedureMonth).order_by(ProcedureMonth.process_key, ProcedureMonth.month)
    if process_key is not None:
        query = query.where(ProcedureMonth.process_key == process_key)
    if since is not None:
        query = query.where(ProcedureMonth.month >= since)
    refusing = {p.key for p in procedures() if p.declares_refusal}
    return [_published(row, k, refusing) for row in db.session.scalars(query)]


def city_months(since: date | None = None) -> list[tuple[date, int, int]]:
    """(month, started, finished) of every procedure together, oldest first (plain counts: no k)."""
    query = (select(ProcedureMonth.month, func.sum(ProcedureMonth.started), func.sum(ProcedureMonth.finished))
             .group_by(ProcedureMonth.month).order_by(ProcedureMonth.month))
    if since is not None:
        query = query.where(ProcedureMonth.month >= since)
    return [(month, int(started or 0), int(finished or 0)) for month, started, finished in db.session.execute(query)]


def reclamo_months(k: int) -> list[date]:
    """The months with published reclamos (a cell of a category with at least ``k``), newest first."""
    return list(db.session.scalars(select(ReclamoCell.month).where(ReclamoCell.total >= k).distinct()
                                   .order_by(ReclamoCell.month.desc())))


def reclamo_cells(k: int, month: date | None = None) -> list[CellFigure]:
    """The reclamos rows with at least ``k`` reclamos (of one month, or all), by month, category and cell."""
    query = select(ReclamoCell).where(ReclamoCell.total >= k).order_by(
        ReclamoCell.month, ReclamoCell.category, ReclamoCell.cell)
    if month is not None:
        query = query.where(ReclamoCell.month == month)
    return [CellFigure(r.month, r.category, r.cell, r.total, r.open, r.resolved, r.median_days_to_resolve)
            for r in db.session.scalars(query)]
