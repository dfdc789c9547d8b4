"""A small agenda to book on: one office, one service, weekday mornings in the city's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.appointments.models import Agenda, Office, OpeningHours, Service
from engine.db import db
from engine.deadlines.holidays import Calendar

ZONE = ZoneInfo("America/Argentina/Tucuman")
#: Monday 7 December 2026, 09:00 in the city (12:00 UTC): "now" of these tests.
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
#: Tuesday 8 December 2026 is a holiday in Argentina (Inmaculada Concepción); Wednesday the 9th is not.
HOLIDAY = date(2026, 12, 8)
CALENDAR = Calendar(ZONE, frozenset({HOLIDAY}))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of the city, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def seed_agenda(*, desks: int = 1, per_person_limit: int = 1, allows_guest: bool = False,
                process_only: bool = False, slot_minutes: int = 30, horizon_days: int = 30,
                service_id: str = "rentas-atencion", office_id: str = "rentas-centro",
                opens: time = time(8), closes: time = time(12)) -> Agenda:
    """An office open Monday to Friday ``opens``–``closes`` with one service's agenda (committed)."""
    if db.session.get(Office, office_id) is None:
        db.session.add(Office(id=office_id, name="Rentas — Centro", address="San Martín 123", active=True))
    if db.session.get(Service, service_id) is None:
        db.session.add(Service(id=service_id, name="Atención en Rentas", description="", group="rentas",
                               slot_minutes=slot_minutes, horizon_days=horizon_days,
                               per_person_limit=per_person_limit, allows_walk_in=False,
                               allows_guest=allows_guest, process_only=process_only, grace_minutes=10,
                               active=True))
    db.session.flush()
    agenda = Agenda(office_id=office_id, service_id=service_id, desks=desks, active=True)
    db.session.add(agenda)
    db.session.flush()
    for weekday in range(5):
        db.session.add(OpeningHours(agenda_id=agenda.id, weekday=weekday, opens=opens, closes=closes))
    db.session.commit()
    return agenda


def wednesday() -> date:
    return NOW.astimezone(ZONE).date() + timedelta(days=2)
