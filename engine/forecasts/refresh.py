"""Daily counts from the cases index, fitted once a day by the background work into ``forecasts``.

A subject is a procedure (cases started per day, analysts' test cases left out) or a reclamo
category (reclamos started per day with that ``categoria``). Days are the city's calendar days;
the history ends yesterday (today is not over) and reaches back :data:`HISTORY_DAYS` days, or to
the subject's first case when that is later.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from engine.db import db
from engine.forecasts import method
from engine.forecasts.models import Forecast
from engine.intake.reclamos import PROCESS_KEY as RECLAMO
from engine.models import Instance

log = logging.getLogger(__name__)

HISTORY_DAYS = 2 * 365
HORIZON_WEEKS = 4
EVERY = timedelta(hours=24)
METHOD = "Holt-Winters semanal × factores mensuales (GLM Poisson)"
Counts = dict[tuple[str, str], dict[date, int]]


def daily_counts(now: datetime, timezone: str) -> tuple[Counts, date, date]:
    """``{(kind, key): {day: cases}}`` for the history window, and the window's first and last day."""
    zone = ZoneInfo(timezone)
    last = now.astimezone(zone).date() - timedelta(days=1)
    first = last - timedelta(days=HISTORY_DAYS - 1)
    since = datetime.combine(first, datetime.min.time(), zone)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    window = (Instance.created_at >= since, Instance.created_at < until, Instance.is_test.is_(False))
    counts: Counts = defaultdict(lambda: defaultdict(int))
    if db.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL groups a city's two years itself instead of sending every case here.
        day = func.date(func.timezone(timezone, Instance.created_at))
        category = Instance.data["categoria"].as_string()
        grouped = (select(Instance.process_key, category, day, func.count()).where(*window)
                   .group_by(Instance.process_key, category, day))
        for key, code, on, n in db.session.execute(grouped):
            _tally(counts, key, code, on, int(n))
        return counts, first, last
    rows = select(Instance.process_key, Instance.data["categoria"].as_string(), Instance.created_at).where(*window)
    for key, code, created in db.session.execute(rows).yield_per(10_000):
        _tally(counts, key, code, created.astimezone(zone).date(), 1)
    return counts, first, last


def _tally(counts: Counts, key: str, code: str | None, day: date, n: int) -> None:
    counts[("procedure", key)][day] += n
    if key == RECLAMO and code:
        counts[("reclamo_category", code)][day] += n


def series(days: dict[date, int], first: date, last: date) -> tuple[date, list[float]]:
    """The subject's counts from its first case (or ``first``) to ``last``, zeros where none came."""
    start = max(first, min(days))
    length = (last - start).days + 1
    return start, [float(days.get(start + timedelta(days=i), 0)) for i in range(length)]


def fitted(kind: str, key: str, start: date, values: list[float], now: datetime) -> Forecast:
    """The forecast row of one subject: the next weeks and the backtest's errors."""
    test = method.backtest(start, values)
    ahead = method.forecast_days(start, values, HORIZON_WEEKS * method.WEEK)
    tomorrow = start + timedelta(days=len(values))
    weeks = [[(tomorrow + timedelta(weeks=i)).isoformat(), round(total, 1)]
             for i, total in enumerate(method.weekly(ahead))]
    return Forecast(subject_kind=kind, subject_key=key, computed_at=now, method=METHOD, history_from=start,
                    history_days=len(values), weeks=weeks, backtest_weeks=test.weeks, mae=test.method.mae,
                    mape=test.method.mape, naive_mae=test.naive.mae, naive_mape=test.naive.mape)


def refresh(now: datetime, timezone: str) -> int:
    """Fit every subject with enough history and replace the table's rows; return how many were fitted."""
    counts, first, last = daily_counts(now, timezone)
    rows = []
    for (kind, key), days in sorted(counts.items()):
        start, values = series(days, first, last)
        if len(values) < method.MIN_DAYS:
            continue
        try:
            rows.append(fitted(kind, key, start, values, now))
        except (ValueError, ArithmeticError):  # one subject's odd history must not stop the others
            log.exception("forecast of %s %s failed", kind, key)
    db.session.execute(delete(Forecast))
    db.session.add_all(rows)
    return len(rows)


def refresh_when_due(now: datetime, timezone: str) -> int | None:
    """Refresh when the last refresh is :data:`EVERY` old (or none was made); ``None`` when not due.

    A refresh that fitted nothing leaves no row, so it is tried again at the next background
    tick: that happens only while no subject has :data:`~engine.forecasts.method.MIN_DAYS` days
    of history, when the counting reads few rows.
    """
    newest = db.session.scalar(select(func.max(Forecast.computed_at)))
    if newest is not None and now - newest < EVERY:
        return None
    return refresh(now, timezone)
