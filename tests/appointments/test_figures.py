"""The supervisors' figures match the demo's seeded day, on both databases."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from engine.appointments import booking, demo, figures
from engine.appointments.models import Agenda, Appointment, Office, Service
from engine.db import db
from tests.appointments.seed import CALENDAR, NOW, local

TZ = "America/Argentina/Tucuman"
#: Monday 7 December 2026: the seeded day is the business day before, Friday the 4th.
SEEDED = date(2026, 12, 4)


def _expected() -> dict[str, dict[str, Any]]:
    """What the seeded day's rows say, counted here independently of figures.py."""
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    waits: dict[str, list[int]] = defaultdict(list)
    for visit in demo.SEEDED_DAY:
        row = rows[visit.service]
        row["booked" if visit.kind == "booked" else "walk_ins"] += 1
        row[{"attended": "attended", "no_show": "no_shows", "cancelled": "cancelled"}[visit.status]] += 1
        if visit.waited is not None:
            waits[visit.service].append(visit.waited)
    for service, found in waits.items():
        rows[service]["waiting_median_minutes"] = float(statistics.median(found))
        rows[service]["waiting_longest_minutes"] = float(max(found))
    return rows


def test_the_seeded_day_gives_the_figures_its_rows_say(app: Flask) -> None:
    with app.app_context():
        assert demo.seed(NOW, CALENDAR) is True
        db.session.commit()
        assert demo.seeded_day(NOW.astimezone(CALENDAR.zone).date(), CALENDAR) == SEEDED
        found = {f.service_id: f for f in figures.figures(SEEDED, SEEDED, timezone=TZ)}
        for service, expected in _expected().items():
            got = found[service]
            for name, value in expected.items():
                assert getattr(got, name) == value, (service, name)
        rentas = found["rentas-atencion"]
        assert (rentas.office, rentas.booked, rentas.walk_ins, rentas.attended, rentas.no_shows, rentas.cancelled,
                rentas.waiting_median_minutes, rentas.waiting_longest_minutes) == (
            "Rentas — Centro", 6, 1, 5, 1, 1, 10.0, 15.0)
        # the days around it hold only what is still to come: nothing attended, nothing waited
        later = figures.figures(SEEDED + timedelta(days=1), SEEDED + timedelta(days=30), timezone=TZ)
        assert sum(f.booked for f in later) == len(demo.UPCOMING)
        assert all(f.attended == f.no_shows == 0 and f.waiting_median_minutes is None for f in later)
        assert demo.seed(NOW, CALENDAR) is False  # seeding again changes nothing
        assert db.session.scalar(select(db.func.count()).select_from(Office)) == len(demo.OFFICES)


def test_a_supervisor_sees_the_services_of_their_groups(app: Flask) -> None:
    with app.app_context():
        demo.seed(NOW, CALENDAR)
        db.session.commit()
        mine = figures.figures(SEEDED, SEEDED, timezone=TZ, groups=["inspeccion", "mesa_entradas"])
        assert [f.service_id for f in mine] == ["inspeccion-comercio"]
        assert figures.figures(SEEDED, SEEDED, timezone=TZ, groups=[]) == []


def test_a_moved_appointment_counts_once_on_its_new_day(app: Flask) -> None:
    with app.app_context():
        demo.seed(NOW, CALENDAR)
        agenda = db.session.scalar(select(Agenda).where(Agenda.service_id == "atencion-vecino"))
        service = db.session.get(Service, "atencion-vecino")
        service.per_person_limit = 5
        friday, monday = date(2026, 12, 11), date(2026, 12, 14)  # no demo appointment on either
        first = booking.book(agenda.id, local(friday, 11), holder="ana", booked_by="ana", now=NOW,
                             calendar=CALENDAR)
        booking.move(first, local(monday, 11), by="ana", now=NOW, calendar=CALENDAR)
        db.session.commit()
        assert figures.figures(friday, friday, timezone=TZ) == []
        [moved_to] = figures.figures(monday, monday, timezone=TZ)
        assert (moved_to.service_id, moved_to.booked, moved_to.cancelled) == ("atencion-vecino", 1, 0)
        assert db.session.scalar(select(db.func.count()).select_from(Appointment)
                                 .where(Appointment.status == "cancelled", Appointment.code == first.code)) == 1
