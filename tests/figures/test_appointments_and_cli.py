"""The turnero's waiting time per procedure, and the ``tramites cifras`` commands."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select

from engine.appointments.models import Agenda, Appointment, Office, Service
from engine.db import db
from engine.figures import queries, refresh
from engine.figures.demo import DEMO_ACTOR
from engine.figures.models import OpenDataFile, ProcedureMonth
from engine.models import Instance
from tests.figures import seed

TZ = "America/Argentina/Tucuman"


def _agenda() -> Agenda:
    db.session.add(Office(id="rentas-centro", name="Rentas", address="24 de Septiembre 1"))
    db.session.add(Service(id="inspeccion", name="Inspección", group="mesa_entradas"))
    db.session.flush()  # no relationship orders these inserts: the agenda's keys must be there first
    agenda = Agenda(office_id="rentas-centro", service_id="inspeccion")
    db.session.add(agenda)
    db.session.flush()
    return agenda


def test_the_appointment_wait_is_the_median_days_from_booking_to_the_slot_of_the_procedures_cases(
        app: Flask) -> None:
    with app.app_context():
        seed.seed()
        agenda = _agenda()
        cases = list(db.session.scalars(select(Instance).where(Instance.process_key == seed.PERMISO,
                                                                Instance.is_test.is_(False)).limit(7)))
        booked = seed.NOW.replace(day=5)
        waits = [1, 2, 3, 3.5, 4, 9, 30]
        for n, (case, days) in enumerate(zip(cases, waits, strict=True)):
            starts = booked + timedelta(days=days)
            db.session.add(Appointment(code=f"T{n:05d}", agenda_id=agenda.id, starts_at=starts,
                                       ends_at=starts + timedelta(minutes=15), place=1,
                                       status="cancelled" if n == 6 else "attended", booked_by="ciudadana",
                                       instance_id=case.id, booked_at=booked))
        db.session.flush()
        refresh.refresh(seed.NOW, TZ)
        row = db.session.get(ProcedureMonth, (seed.PERMISO, date(2026, 3, 1)))
        assert row is not None
        assert (row.appointments, row.appointment_wait_days) == (6, statistics.median(waits[:6]))  # not the cancelled
        shown = {f.month: f for f in queries.procedure_months(5, process_key=seed.PERMISO)}
        assert shown[date(2026, 3, 1)].appointment_wait_days == 3.25
        assert {f.month: f for f in queries.procedure_months(7, process_key=seed.PERMISO)}[
            date(2026, 3, 1)].appointment_wait_days is None


def test_the_demo_command_seeds_once_and_publishes(app: Flask) -> None:
    app.extensions["tramites"].clock = lambda: seed.NOW
    with app.app_context():
        seed._deployment("reclamo", "Reclamo", {})
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["cifras", "demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        seeded = db.session.scalar(select(func.count()).select_from(Instance).where(Instance.started_by == DEMO_ACTOR))
        assert seeded and seeded > 0
        assert db.session.get(OpenDataFile, "reclamos-por-zona.csv") is not None
        assert queries.reclamo_cells(5)  # the demo's reclamos cluster enough to be published
    again = runner.invoke(args=["cifras", "demo"])
    assert again.exit_code == 0 and "0 nuevos" in again.output
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(Instance).where(Instance.started_by == DEMO_ACTOR)) == seeded
