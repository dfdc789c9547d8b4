"""Daily counts with a known shape: two years, weekday and month-of-year seasonality, a slow trend,
Poisson noise, a fixed seed."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

WEEKDAY = (1.3, 1.2, 1.1, 1.0, 0.9, 0.4, 0.3)  # Monday first: offices are busiest early in the week
FIRST = date(2024, 12, 2)
DAYS = 2 * 365


def month_factor(month: int) -> float:
    """January (summer holidays) quietest, July busiest: ±30 % around the mean."""
    return 1 + 0.3 * float(np.sin(2 * np.pi * (month - 4) / 12))


def daily_counts(level: float = 40.0, seed: int = 0, days: int = DAYS) -> tuple[date, list[float]]:
    rng = np.random.default_rng(seed)
    series = []
    for i in range(days):
        day = FIRST + timedelta(days=i)
        rate = level * WEEKDAY[day.weekday()] * month_factor(day.month) * (1 + 0.0003 * i)
        series.append(float(rng.poisson(rate)))
    return FIRST, series
