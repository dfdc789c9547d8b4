"""How the platform writes dates and times for people: ``05/12/2026`` and ``05/12/2026 14:30``.

Times are stored in UTC and written in the city's zone (the ``TIMEZONE`` setting), which the
caller passes; every page, PDF and message goes through these two functions. People also write
fixed durations to the platform (a message's time-to-live, a test case's clock move):
:func:`fixed_duration` reads them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
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


_FIXED_DURATION = re.compile(r"^P(?=\d|T\d)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
                             r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$")


def fixed_duration(text: str) -> timedelta:
    """An ISO 8601 duration of fixed length: weeks, days, hours, minutes, seconds (``P3D``, ``PT2H``).

    Years and months are refused: their length depends on the date they start from.

    :raises ValueError: for any other text.
    :raises OverflowError: for more than a :class:`~datetime.timedelta` holds.
    """
    found = _FIXED_DURATION.match(text.strip().upper())
    if found is None:
        raise ValueError(f"not a fixed ISO 8601 duration: {text[:40]!r}")
    return timedelta(**{name: int(number or 0) for name, number in found.groupdict().items()})
