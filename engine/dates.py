"""How the platform writes dates and times for people: ``05/12/2026`` and ``05/12/2026 14:30``.

Times are stored in UTC and written in the city's zone (the ``TIMEZONE`` setting), which the
caller passes; every page, PDF and message goes through these two functions.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DATE = "%d/%m/%Y"
DATE_TIME = "%d/%m/%Y %H:%M"


def date_text(day: date | None) -> str:
    """``dd/mm/aaaa``; an empty text for no date."""
    return day.strftime(DATE) if day is not None else ""


def moment_text(moment: datetime | None, zone: str | ZoneInfo, with_time: bool = True) -> str:
    """A stored (UTC) time as the city reads it, ``dd/mm/aaaa hh:mm`` (or the date alone)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))
    return local.strftime(DATE_TIME if with_time else DATE)
