"""The forecasting method on daily counts: month-of-year factors, then Holt-Winters for the week.

Two seasonalities, each by a standard method of statsmodels:

- the month of the year: a Poisson regression (GLM, log link) of the daily counts on a linear
  trend, the weekday and the month gives each month's multiplicative factor, estimated jointly
  with the trend and the weekday so that neither passes for a busy month (with under a year of
  history every month's factor is 1);
- the week: Holt-Winters (``ExponentialSmoothing``, seasonal period 7, multiplicative when every
  day had cases) on the counts divided by their month's factor; its forecast is multiplied back
  by the factor of each forecast day's month.

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
#: A year of history before month-of-year factors are estimated.
YEAR_DAYS = 365
#: Fewer days than this and no forecast is made: two full weekly cycles beyond the holdout.
MIN_DAYS = WEEK * (HOLDOUT_WEEKS + 4)


@dataclass(frozen=True)
class Errors:
    mae: float
    mape: float | None


@dataclass(frozen=True)
class Backtest:
    method: Errors
    naive: Errors
    weeks: int


def month_factors(first: date, counts: np.ndarray) -> np.ndarray:
    """The 12 months' multiplicative factors (January first), January's being 1."""
    if len(counts) < YEAR_DAYS or counts.sum() <= 0:
        return np.ones(12)
    import statsmodels.api as sm  # a second to import: only when fitting

    design = np.zeros((len(counts), 2 + 6 + 11))
    for row in range(len(counts)):
        day = first + timedelta(days=row)
        design[row, 0], design[row, 1] = 1.0, row / YEAR_DAYS
        if day.weekday():
            design[row, 1 + day.weekday()] = 1.0
        if day.month > 1:
            design[row, 6 + day.month] = 1.0
    with warnings.catch_warnings():  # a weekday without cases (offices closed) separates perfectly: its factor is ~0
        warnings.simplefilter("ignore")
        fit = sm.GLM(counts, design, family=sm.families.Poisson()).fit()
    factors = np.exp(np.concatenate([[0.0], np.asarray(fit.params)[8:]]))
    # A month without any case gives a factor of ~0: kept tiny but finite, so nothing divides by 0.
    return np.clip(np.nan_to_num(factors, nan=1.0, posinf=1e3), 1e-3, 1e3)


def forecast_days(first: date, counts: Sequence[float], horizon: int) -> list[float]:
    """Daily counts for the ``horizon`` days after a history starting on ``first`` (never below 0)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # a second to import: only when fitting

    series = np.asarray(counts, dtype=float)
    factors = month_factors(first, series)
    months = [(first + timedelta(days=i)).month - 1 for i in range(len(series) + horizon)]
    adjusted = series / factors[months[:len(series)]]
    seasonal = "mul" if adjusted.min() > 0 else "add"  # multiplicative needs strictly positive counts
    with warnings.catch_warnings():  # convergence notes on flat series say nothing a reader needs
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(adjusted, trend=None, seasonal=seasonal, seasonal_periods=WEEK,
                                   initialization_method="estimated").fit()
        ahead = np.asarray(fit.forecast(horizon)) * factors[months[len(series):]]
    return [max(0.0, float(v)) for v in ahead]


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
