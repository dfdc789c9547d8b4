"""Turnero benchmark: what a person waits for while booking, on an agenda 60 % booked.

Run as ``.venv/bin/python bench/turnero.py`` (``make bench``). Seeds a throw-away SQLite file and,
when PostgreSQL answers (``TRAMITES_TEST_DATABASE_URL``), a throw-away PostgreSQL database with
one office attending one service at 4 desks, Monday to Friday 07:30–13:00 in 15-minute slots,
bookable 60 days ahead, with the first 10 business days full and 60 % of every place after
booked. Then times, over ``RUNS`` runs each: a month's calendar (``slots.days_with_slots``),
one day's free times (``slots.free_slots``), the earliest 20 free slots past the full days
(``slots.offered``, as ``turnos/ofrecer`` asks) and one booking (``booking.book``, rolled back).

Targets (p95): calendar under 60 ms, a day under 15 ms, offered under 100 ms, a booking under 40 ms.
On SQLite the figures are CPU time (the database runs in this process, and a shared machine's
other jobs would show up in wall-clock figures as if they were ours); on PostgreSQL they are wall
time, so the machine's load average is printed beside them.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time as clocks
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from common import load_average, median_p95, prepared_database  # bench/common.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.appointments import booking, slots  # noqa: E402  (the repository root must be on the path first)
from engine.appointments.models import Agenda, Appointment, Office, OpeningHours, Service  # noqa: E402
from engine.db import db  # noqa: E402
from engine.deadlines.holidays import Calendar  # noqa: E402
from wsgi import create_app  # noqa: E402

RUNS = 60
ZONE = ZoneInfo("America/Argentina/Tucuman")
CALENDAR = Calendar(ZONE, frozenset())
NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # a Monday, 08:00 in the city
DESKS, FULL_DAYS, BOOKED_SHARE = 4, 10, 0.6
TARGETS = {"calendario del mes": 60.0, "horarios de un día": 15.0, "primeros 20 libres": 100.0,
           "reservar": 40.0}


def seed() -> str:
    """The office, service and agenda, and the booked places; the agenda's id."""
    db.session.add(Office(id="banco", name="Oficina de prueba", address="San Martín 1", active=True))
    db.session.add(Service(id="banco", name="Servicio de prueba", description="", group="banco", slot_minutes=15,
                           horizon_days=60, per_person_limit=1, allows_walk_in=False, allows_guest=False,
                           process_only=False, grace_minutes=10, active=True))
    db.session.flush()
    agenda = Agenda(office_id="banco", service_id="banco", desks=DESKS, active=True)
    db.session.add(agenda)
    db.session.flush()
    for weekday in range(5):
        db.session.add(OpeningHours(agenda_id=agenda.id, weekday=weekday, opens=time(7, 30), closes=time(13)))
    free = slots.free_slots(agenda, NOW.date(), NOW.date() + timedelta(days=60), now=NOW, calendar=CALENDAR)
    days = sorted({CALENDAR.local_date(s.starts_at) for s in free})
    full = set(days[:FULL_DAYS])
    n = 0
    for slot in free:
        for place in range(1, DESKS + 1):
            n += 1
            if CALENDAR.local_date(slot.starts_at) in full or (n * 7919) % 100 < BOOKED_SHARE * 100:
                db.session.add(Appointment(code=f"B{n:07d}", agenda_id=agenda.id, starts_at=slot.starts_at,
                                           ends_at=slot.ends_at, place=place, status="booked",
                                           holder=f"vecino{n}", booked_by=f"vecino{n}", booked_at=NOW))
    db.session.commit()
    return agenda.id


def measures(agenda_id: str) -> dict[str, Callable[[], Any]]:
    agenda = db.session.get(Agenda, agenda_id)
    month = (date(2027, 1, 1), date(2027, 1, 31))
    day = date(2027, 1, 13)
    later = slots.free_slots(agenda, day + timedelta(days=1), day + timedelta(days=7), now=NOW, calendar=CALENDAR)[0]

    def book_and_undo() -> None:
        booking.book(agenda_id, later.starts_at, holder="banco", booked_by="banco", now=NOW, calendar=CALENDAR)
        db.session.rollback()

    return {
        "calendario del mes": lambda: slots.days_with_slots(agenda, *month, now=NOW, calendar=CALENDAR),
        "horarios de un día": lambda: slots.free_slots(agenda, day, day, now=NOW, calendar=CALENDAR),
        "primeros 20 libres": lambda: slots.offered("banco", now=NOW, calendar=CALENDAR, limit=20),
        "reservar": book_and_undo,
    }


def run(kind: str) -> dict[str, tuple[float, float]] | None:
    with tempfile.TemporaryDirectory() as folder, prepared_database(kind, folder) as prepared:
        if prepared is None:
            return None
        app = create_app({"DATABASE_URL": prepared[0], "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                          "TESTING": True})
        with app.app_context():
            agenda_id = seed()
            clock = clocks.process_time if kind == "sqlite" else clocks.perf_counter
            figures = {name: median_p95(action, RUNS, clock=clock) for name, action in measures(agenda_id).items()}
            db.session.remove()
            db.engine.dispose()
        return figures


def main() -> None:
    logging.disable(logging.INFO)
    head = f"{'base':<10} {'operación':<20} {'mediana ms':>11} {'p95 ms':>8} {'objetivo p95':>13} {'estado':>10}"
    print(head)
    print("-" * len(head))
    print(f"(carga del equipo: {load_average():.1f}; SQLite en tiempo de CPU, PostgreSQL en tiempo real)")
    for kind in ("sqlite", "postgres"):
        figures = run(kind)
        if figures is None:
            print(f"{kind:<10} (PostgreSQL no responde: sin cifras)")
            continue
        for name, (median, p95) in figures.items():
            target = TARGETS[name]
            state = f"ok ({p95 / target:.0%})" if p95 < target else "EXCEDIDO"
            print(f"{kind:<10} {name:<20} {median:>11.2f} {p95:>8.2f} {f'< {target:g}':>13} {state:>10}")


if __name__ == "__main__":
    main()
