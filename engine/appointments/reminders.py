"""Reminders the day before: every appointment still booked for tomorrow (in the city) gets one
e-mail, once, run by the background work.

"Once" holds with several workers: an appointment is claimed by an UPDATE that sets its
``reminded_at`` only while it is empty, and only the worker whose UPDATE changed the row writes
the e-mail, in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select, update

from engine import audit
from engine.appointments import mails
from engine.appointments.models import Appointment
from engine.db import db
from engine.deadlines.holidays import Calendar

REMINDED = "appointment_reminded"


def due(now: datetime, calendar: Calendar, limit: int = 500) -> list[str]:
    """Ids of the booked appointments of tomorrow (the city's) not reminded yet, earliest first."""
    tomorrow = calendar.local_date(now) + timedelta(days=1)
    since = datetime.combine(tomorrow, time(0), tzinfo=calendar.zone).astimezone(UTC)
    until = datetime.combine(tomorrow + timedelta(days=1), time(0), tzinfo=calendar.zone).astimezone(UTC)
    return list(db.session.scalars(
        select(Appointment.id).where(Appointment.status == "booked", Appointment.kind == "booked",
                                     Appointment.reminded_at.is_(None), Appointment.starts_at >= since,
                                     Appointment.starts_at < until)
        .order_by(Appointment.starts_at).limit(limit)))


def remind(appointment_id: str, now: datetime, *, zone: str, public_url: str) -> bool:
    """Claim and remind one appointment (flushes, never commits); ``False`` when another worker
    already did, or it is no longer booked."""
    claimed = db.session.execute(
        update(Appointment).where(Appointment.id == appointment_id, Appointment.reminded_at.is_(None),
                                  Appointment.status == "booked")
        .values(reminded_at=now).execution_options(synchronize_session="fetch"))
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        return False
    sent = mails.queue(appointment, mails.REMINDER, zone=zone, public_url=public_url)
    audit.record(REMINDED, "sistema", instance_id=appointment.instance_id,
                 data={"appointment": appointment.id, "code": appointment.code, "e-mail": sent is not None})
    return True
