"""The business licence's inspection slot in tests: an inspection agenda, the applicant's pick, the visit."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import select

from engine.appointments import case_news
from engine.appointments.models import Appointment, Office, Service
from engine.db import db
from engine.uow import unit_of_work
from tests.appointments.seed import seed_agenda
from tests.procedures.conftest import Case, Platform

SERVICE = "inspeccion-comercio"
OFFICE = "comercio-centro"


def seed_inspection_agenda(platform: Platform, *, desks: int = 2) -> str:
    """The Dirección de Comercio's inspection agenda, Monday to Friday 08:00–13:00 (its id)."""
    with platform.app.app_context():
        db.session.add(Office(id=OFFICE, name="Dirección de Comercio", address="24 de Septiembre 250", active=True))
        db.session.add(Service(id=SERVICE, name="Inspección de habilitación comercial", description="",
                               group="inspeccion", slot_minutes=30, horizon_days=30, per_person_limit=1,
                               allows_walk_in=False, allows_guest=False, process_only=True, grace_minutes=15,
                               active=True))
        db.session.commit()
        agenda = seed_agenda(desks=desks, service_id=SERVICE, office_id=OFFICE, opens=time(8), closes=time(13))
        return str(agenda.id)


def offered(case: Case) -> list[dict[str, Any]]:
    """The slots the applicant's task «Elegir el turno de la inspección» lists (``const``, ``title``)."""
    task = case.task("elegir_turno")
    form = case.platform.api.get(f"/api/v1/tasks/{task['id']}").get_json()["form"]
    options: list[dict[str, Any]] = form["properties"]["turno_elegido"]["anyOf"]
    return options


def pick_first_slot(case: Case) -> Appointment:
    """The applicant picks the first slot offered; the process books it (the appointment, detached)."""
    case.complete("elegir_turno", {"turno_elegido": offered(case)[0]["const"]})
    assert case.data["turno_reservado"]["reservado"] is True, case.data["turno_reservado"]
    return appointment_of(case)


def appointment_of(case: Case) -> Appointment:
    """The case's active appointment."""
    with case.platform.app.app_context():
        found = db.session.scalar(select(Appointment).where(
            Appointment.instance_id == case.id, Appointment.status.in_(("booked", "checked_in", "called"))))
        assert found is not None, "the case holds no active appointment"
        db.session.expunge(found)
        return found


def tell(case: Case, message: str, status: str) -> bool:
    """What the office's desk does: the appointment's new state, then the news into its case."""
    app = case.platform.app
    with app.app_context():
        ctx = app.extensions["tramites"].engine_context()
        with unit_of_work(ctx.after_commit):
            appointment = db.session.scalar(select(Appointment).where(
                Appointment.instance_id == case.id, Appointment.status.in_(("booked", "checked_in", "called"))))
            assert appointment is not None
            appointment.status = status
            return case_news.tell(ctx, appointment, message, "inspector")


def visited(case: Case) -> None:
    """An inspection slot is picked, booked and attended: the case reaches «Inspeccionar el local»."""
    pick_first_slot(case)
    assert tell(case, "turno_atendido", "attended") is True
