"""The few statistics the figures use: median, nearest-rank percentile, business days between moments."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from engine.deadlines.holidays import Calendar


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile (0 < p ≤ 100) of ``values``; ``None`` when empty.

    Nearest rank returns a value that occurred (a whole number of business days), which is
    what a person reads on the page and what a reader can check against the cases.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def median(values: Sequence[float]) -> float | None:
    """The median of ``values`` (the mean of the two middle ones for an even count); ``None`` when empty."""
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def business_days(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Business days after ``start``'s city date up to ``end``'s (0 when both fall on the same day)."""
    return calendar.business_days_between(calendar.local_date(start), calendar.local_date(end))
