"""The city's calendar: business days are Monday to Friday except the holidays administrators keep.

:class:`Calendar` is plain arithmetic on dates (no database); :func:`city_calendar` builds it
from the holiday table and the city's time zone. The holiday set is cached per database for
:data:`CACHE_SECONDS` (due dates are computed on every step) and dropped at once when this
process adds or deletes a holiday; other processes see the change within the expiry.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from engine.dates import date_text
from engine.db import db
from engine.deadlines.models import HOLIDAY_KINDS, Holiday
from engine.errors import Conflict, DataInvalid, NotFound

CACHE_SECONDS = 60.0
END_OF_DAY = (23, 59, 59)
_WEEKEND = (5, 6)  # Saturday, Sunday
# Far more than any deadline needs; stops a loop on a calendar made only of holidays.
_MAX_SCAN_DAYS = 3660


@dataclass(frozen=True)
class Calendar:
    """Business-day arithmetic in one time zone with one set of holidays."""

    zone: ZoneInfo
    holidays: frozenset[date] = frozenset()

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in _WEEKEND and day not in self.holidays

    def add_business_days(self, start: date, n: int) -> date:
        """The ``n``-th business day after ``start`` (``start`` itself never counts; ``n`` = 0 gives ``start``).

        :raises ValueError: for a negative ``n``, or a calendar without business days.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        day, left = start, n
        for _ in range(n + _MAX_SCAN_DAYS):
            if left == 0:
                return day
            day += timedelta(days=1)
            if self.is_business_day(day):
                left -= 1
        raise ValueError("the calendar has no business days ahead")

    def business_days_between(self, a: date, b: date) -> int:
        """How many business days lie after ``a`` up to and including ``b`` (0 when ``b`` ≤ ``a``)."""
        if b <= a:
            return 0
        weeks, rest = divmod((b - a).days, 7)
        count = weeks * 5 + sum(1 for i in range(1, rest + 1) if (a + timedelta(days=weeks * 7 + i)).weekday() < 5)
        return count - sum(1 for h in self.holidays if a < h <= b and h.weekday() not in _WEEKEND)

    def local_date(self, moment: datetime) -> date:
        """The city's date at an aware moment."""
        return moment.astimezone(self.zone).date()

    def due_after(self, moment: datetime, n: int) -> datetime:
        """The moment ``n`` business days after ``moment`` fall due: the end (23:59:59 local) of the
        ``n``-th business day after ``moment``'s date in the city, in UTC.

        The one rule for "due in n business days": task SLAs (``P10D``), business-day timers
        (``dias_habiles(10)``) and the scripts' helpers all call it, so what the platform shows as
        due, what the SLA counts and when the timer fires are the same moment.

        :raises ValueError: for a negative ``n``.
        """
        return self.end_of_day(self.add_business_days(self.local_date(moment), n))

    def end_of_day(self, day: date) -> datetime:
        """23:59:59 of ``day`` in the city, in UTC (the only zone stored)."""
        return datetime(day.year, day.month, day.day, *END_OF_DAY, tzinfo=self.zone).astimezone(UTC)


_cache: weakref.WeakKeyDictionary[Engine, tuple[float, frozenset[date]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def holiday_set() -> frozenset[date]:
    """Every holiday date in the database, cached per database engine for :data:`CACHE_SECONDS`."""
    engine = db.engine
    with _lock:
        cached = _cache.get(engine)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    days = frozenset(db.session.scalars(select(Holiday.day)))
    with _lock:
        _cache[engine] = (time.monotonic() + CACHE_SECONDS, days)
    return days


def invalidate() -> None:
    """Forget the cached holidays of the current database (after a change)."""
    with _lock:
        _cache.pop(db.engine, None)


def city_calendar(timezone: str) -> Calendar:
    """The calendar of the city: its time zone (the ``TIMEZONE`` setting, which the caller
    passes) and the holiday table."""
    return Calendar(ZoneInfo(timezone), holiday_set())


def list_year(year: int) -> list[Holiday]:
    """The holidays of one year, in date order."""
    query = select(Holiday).where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
    return list(db.session.scalars(query.order_by(Holiday.day)))


def years() -> list[int]:
    """The years that have at least one holiday, ascending."""
    return sorted({d.year for d in holiday_set()})


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_LOCAL = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_day(text: str) -> date:
    """A date as typed in the form: ``AAAA-MM-DD`` (what a date input sends) or ``DD/MM/AAAA``.

    :raises DataInvalid: with a Spanish message for the ``day`` field.
    """
    text = (text or "").strip()
    if not text:
        raise DataInvalid("Revise la fecha.", errors=[{"field": "day", "message": "Ingrese la fecha del feriado."}])
    iso, local = _ISO.match(text), _LOCAL.match(text)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if local:
            return date(int(local.group(3)), int(local.group(2)), int(local.group(1)))
        raise ValueError(text)
    except ValueError as e:
        raise DataInvalid("Revise la fecha.", errors=[{"field": "day", "message":
                                                       "La fecha no existe: escríbala como DD/MM/AAAA."}]) from e


def add(day: date, name: str, kind: str) -> Holiday:
    """Add a holiday (flushes, never commits).

    :raises DataInvalid: for an empty or too long name or an unknown kind.
    :raises Conflict: when the date already is a holiday.
    """
    name = (name or "").strip()
    problems = []
    if not name or len(name) > 200:
        problems.append({"field": "name", "message": "Ingrese el nombre del feriado (hasta 200 caracteres)."})
    if kind not in HOLIDAY_KINDS:
        problems.append({"field": "kind", "message": "Elija si es nacional, provincial o municipal."})
    if problems:
        raise DataInvalid("Revise los datos del feriado.", errors=problems)
    existing = db.session.get(Holiday, day)
    if existing is not None:
        raise Conflict(f"El {date_text(day)} ya es feriado: {existing.name}.")
    holiday = Holiday(day=day, name=name, kind=kind)
    db.session.add(holiday)
    db.session.flush()
    invalidate()
    return holiday


def delete(day: date) -> Holiday:
    """Remove a holiday (flushes, never commits).

    :raises NotFound: when the date is not a holiday.
    """
    holiday = db.session.get(Holiday, day)
    if holiday is None:
        raise NotFound("Ese día no figura como feriado.")
    db.session.delete(holiday)
    db.session.flush()
    invalidate()
    return holiday
