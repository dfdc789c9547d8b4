"""The forecasting method on daily counts: month-of-year factors, then Holt-Winters for the week.

Holt-Winters (statsmodels' ``ExponentialSmoothing``) takes one seasonal period: the week (7 days,
additive, with a damped additive trend). The month of the year is the second seasonality; with a
year or more of history its multiplicative factors (each month's mean over the overall mean) are
taken out of the series before the fit and put back on the forecast.

The backtest holds out the last :data:`HOLDOUT_WEEKS` weeks: the method is fitted on the days
before them and compared, week by week, with what came in and with the naive forecast (every
held-out week equals the last week before them). MAE is in cases per week; MAPE over the weeks
that had cases.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

HOLDOUT_WEEKS = 8
WEEK = 7
#: Fewer days than this and no forecast is made: two full weekly cycles beyond the holdout.
MIN_DAYS = WEEK * (HOLDOUT_WEEKS + 4)
#: A year of history before month-of-year factors are estimated.
YEAR_DAYS = 365


@dataclass(frozen=True)
class Errors:
    mae: float
    mape: float | None


@dataclass(frozen=True)
class Backtest:
    method: Errors
    naive: Errors
    weeks: int


def month_factors(days: Sequence[date], counts: np.ndarray) -> dict[int, float]:
    """Each month's mean daily count over the overall mean (1.0 for all with under a year)."""
    overall = float(counts.mean()) if len(counts) else 0.0
    if len(counts) < YEAR_DAYS or overall <= 0:
        return {month: 1.0 for month in range(1, 13)}
    months = np.array([day.month for day in days])
    factors = {}
    for month in range(1, 13):
        chosen = counts[months == month]
        factors[month] = float(chosen.mean()) / overall if len(chosen) and chosen.mean() > 0 else 1.0
    return factors


def forecast_days(first: date, counts: Sequence[float], horizon: int) -> list[float]:
    """Daily counts for the ``horizon`` days after a history starting on ``first`` (never below 0)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # a second to import: only when fitting

    series = np.asarray(counts, dtype=float)
    days = [first + timedelta(days=i) for i in range(len(series))]
    factors = month_factors(days, series)
    adjusted = series / np.array([factors[day.month] for day in days])
    with warnings.catch_warnings():  # convergence notes on flat series say nothing a reader needs
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(adjusted, trend="add", damped_trend=True, seasonal="add",
                                   seasonal_periods=WEEK, initialization_method="heuristic").fit()
        ahead = fit.forecast(horizon)
    last = days[-1] if days else first - timedelta(days=1)
    monthly = np.array([factors[(last + timedelta(days=i + 1)).month] for i in range(horizon)])
    return [max(0.0, float(v)) for v in np.asarray(ahead) * monthly]


def weekly(daily: Sequence[float]) -> list[float]:
    """Sums of consecutive 7-day blocks (a trailing partial week is left out)."""
    return [float(sum(daily[i:i + WEEK])) for i in range(0, len(daily) - WEEK + 1, WEEK)]


def errors(actual: Sequence[float], predicted: Sequence[float]) -> Errors:
    """Mean absolute error, and mean absolute percentage error over the non-zero actuals."""
    pairs = list(zip(actual, predicted, strict=True))
    mae = sum(abs(a - p) for a, p in pairs) / len(pairs)
    relative = [abs(a - p) / a for a, p in pairs if a > 0]
    return Errors(round(mae, 2), round(100 * sum(relative) / len(relative), 1) if relative else None)


def backtest(first: date, counts: Sequence[float], weeks: int = HOLDOUT_WEEKS) -> Backtest:
    """Fit without the last ``weeks`` weeks, forecast them, and score it beside the naive forecast."""
    held = weeks * WEEK
    train, test = list(counts[:-held]), list(counts[-held:])
    predicted = forecast_days(first, train, held)
    naive = train[-WEEK:] * weeks
    actual = weekly(test)
    return Backtest(errors(actual, weekly(predicted)), errors(actual, weekly(naive)), weeks)
