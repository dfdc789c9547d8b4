"""An office to attend at: its service, agenda and hours, appointments made with the models, a pinned clock.

Appointments are booked as the portal books them (``engine.appointments.booking``); the day is
a Wednesday of the city, 10:00 local (13:00 UTC), a business day with no holiday.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Flask

from engine.appointments import booking
from engine.appointments.models import Agenda, Appointment, Office, OpeningHours, Service
from engine.db import db
from engine.uow import unit_of_work

TIMEZONE = "America/Argentina/Tucuman"
#: Wednesday 9 December 2026, 10:00 in Tucumán.
MORNING = datetime(2026, 12, 9, 13, 0, tzinfo=UTC)
OFFICE = "rentas-centro"
_people = itertools.count(1)


def seed_office(app: Flask, *, walk_in: bool = True, grace: int = 10, office_id: str = OFFICE,
                service_id: str = "atencion-rentas", group: str = "mesa_entradas") -> str:
    """An office with one service attended 8 to 13 on weekdays; return the agenda's id."""
    with app.app_context(), unit_of_work():
        if db.session.get(Office, office_id) is None:
            db.session.add(Office(id=office_id, name=f"Oficina {office_id}", address="24 de Septiembre 500",
                                  active=True))
        db.session.add(Service(id=service_id, name=f"Servicio {service_id}", description="", group=group,
                               slot_minutes=30, horizon_days=30, per_person_limit=1, allows_walk_in=walk_in,
                               allows_guest=False, process_only=False, grace_minutes=grace, active=True))
        db.session.flush()  # no relationships: the rows the agenda names go in first
        agenda = Agenda(office_id=office_id, service_id=service_id, desks=2, active=True)
        db.session.add(agenda)
        db.session.flush()
        for weekday in range(5):
            db.session.add(OpeningHours(agenda_id=agenda.id, weekday=weekday, opens=time(8), closes=time(13)))
        return str(agenda.id)


def book(app: Flask, agenda_id: str, starts_at: datetime, *, document: str | None = None,
         instance_id: str | None = None, holder: str | None = None) -> dict[str, Any]:
    """Book the slot two days before it (``booking.book``, as the portal does); return the id and code.

    Each call books for another person (``vecina-1``, ``vecina-2``…) unless ``holder`` is given:
    the service allows one active appointment per person.
    """
    holder = holder or f"vecina-{next(_people)}"
    with app.app_context(), unit_of_work():
        appointment = booking.book(agenda_id, starts_at, holder=holder, booked_by=holder,
                                   now=starts_at - timedelta(days=2), document_number=document,
                                   instance_id=instance_id)
        return {"id": appointment.id, "code": appointment.code}


def pin_clock(app: Flask, moment: datetime) -> None:
    app.extensions["tramites"].clock = lambda: moment


def appointment(app: Flask, appointment_id: str) -> Appointment:
    with app.app_context():
        found = db.session.get(Appointment, appointment_id)
        assert found is not None
        db.session.expunge(found)
        return found
