"""The numbers an office hands out in a day (``T-014`` for an appointment, ``S-015`` without one) and the day itself.

The counter row of the office and day is incremented in the transaction that checks a person
in, so two kiosks never hand out the same number (the second waits on the row's lock), and a
check-in rolled back gives its number back. The day is the city's: numbers start again at 1
at local midnight.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.appointments.models import TicketCounter
from engine.db import increment_counter

#: What a number starts with: an appointment booked beforehand («turno») or a walk-in («sin turno»).
PREFIX = {"booked": "T", "walk_in": "S"}


def local_day(moment: datetime, timezone: str) -> date:
    """The city's date at an aware moment."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The first moment of the city's ``day`` and of the next one (aware, in the city's zone)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def next_ticket(office_id: str, kind: str, now: datetime, timezone: str) -> str:
    """Take the office's next number of the day, written for the display: ``T-014``."""
    number = increment_counter(TicketCounter, "last", office_id=office_id, day=local_day(now, timezone))
    return f"{PREFIX[kind]}-{number:03d}"
