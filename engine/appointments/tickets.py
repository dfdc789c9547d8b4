"""The numbers an office hands out in a day (``T-014`` for an appointment, ``S-015`` without one) and the day itself.

The counter row of the office and day is incremented in the transaction that checks a person
in, so two kiosks never hand out the same number (the second waits on the row's lock), and a
check-in rolled back gives its number back. The day is the city's: numbers start again at 1
at local midnight.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from engine.appointments.models import TicketCounter
from engine.db import db

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
    day = local_day(now, timezone)
    number = _increment(office_id, day)
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(TicketCounter(office_id=office_id, day=day, last=1))
            number = 1
        except IntegrityError:
            # Another kiosk created the row first; the increment now waits on its lock.
            number = _increment(office_id, day)
            if number is None:  # pragma: no cover - the row exists after the IntegrityError
                raise
    return f"{PREFIX[kind]}-{number:03d}"


def _increment(office_id: str, day: date) -> int | None:
    result: int | None = db.session.execute(
        update(TicketCounter)
        .where(TicketCounter.office_id == office_id, TicketCounter.day == day)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    ).scalar_one_or_none()
    return result
