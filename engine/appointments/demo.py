"""The turnero's demo data, seeded by ``tramites init`` (never with ``--no-demo``): offices, services, agendas,
a day already attended and appointments still to come.

- «Rentas — Centro» attends «Atención en Rentas» (group ``rentas``);
- «Atención al Vecino» attends «Atención al Vecino» (group ``atencion_vecino``; walk-ins and guests welcome);
- «Dirección de Comercio» attends «Inspección de comercio» (``inspeccion-comercio``, group ``inspeccion``),
  offered only by the business licence procedure.

The last business day before today is a day already attended (:data:`SEEDED_DAY`), whose figures
the supervisors' dashboard shows; the next business days hold a few booked appointments, so a
closure over them lists the people to notify. Seeding again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.appointments.booking import new_code
from engine.appointments.models import Agenda, Appointment, Office, OpeningHours, Service
from engine.db import db
from engine.deadlines.holidays import Calendar

OFFICES = (
    ("rentas-centro", "Rentas — Centro", "San Martín 535, San Miguel de Tucumán", -26.8306, -65.2037),
    ("atencion-vecino", "Atención al Vecino", "9 de Julio 598, San Miguel de Tucumán", -26.8297, -65.2053),
    ("direccion-comercio", "Dirección de Comercio", "Crisóstomo Álvarez 336, San Miguel de Tucumán",
     -26.8318, -65.2021),
)
SERVICES = (
    {"id": "rentas-atencion", "name": "Atención en Rentas", "group": "rentas", "slot_minutes": 15, "horizon_days": 30,
     "description": "Consultas de tasas municipales, planes de pago y libre deuda.", "allows_walk_in": True},
    {"id": "atencion-vecino", "name": "Atención al Vecino", "group": "atencion_vecino", "slot_minutes": 20,
     "horizon_days": 21, "description": "Consultas, reclamos y orientación sobre trámites municipales.",
     "allows_walk_in": True, "allows_guest": True},
    {"id": "inspeccion-comercio", "name": "Inspección de comercio", "group": "inspeccion", "slot_minutes": 30,
     "horizon_days": 30, "description": "Visita de inspección del local para la habilitación comercial.",
     "process_only": True, "grace_minutes": 15},
)
#: (office, service, desks, [(opens, closes)] from Monday to Friday)
AGENDAS = (
    ("rentas-centro", "rentas-atencion", 3, [(time(7, 30), time(13, 0))]),
    ("atencion-vecino", "atencion-vecino", 2, [(time(8, 0), time(13, 0)), (time(16, 0), time(19, 0))]),
    ("direccion-comercio", "inspeccion-comercio", 2, [(time(8, 0), time(12, 0))]),
)
DEMO_ACTOR = "demo"


@dataclass(frozen=True)
class Visit:
    """One appointment of the seeded day: when, what became of it, and the minutes it waited."""

    service: str
    at: time
    status: str
    waited: int | None = None
    kind: str = "booked"


#: The seeded day, service by service: these rows are what its figures must show.
SEEDED_DAY = (
    Visit("rentas-atencion", time(7, 30), "attended", 4),
    Visit("rentas-atencion", time(7, 45), "attended", 6),
    Visit("rentas-atencion", time(8, 0), "attended", 10),
    Visit("rentas-atencion", time(8, 15), "no_show"),
    Visit("rentas-atencion", time(8, 30), "attended", 12),
    Visit("rentas-atencion", time(9, 0), "cancelled"),
    Visit("rentas-atencion", time(8, 5), "attended", 15, kind="walk_in"),
    Visit("atencion-vecino", time(8, 0), "attended", 5),
    Visit("atencion-vecino", time(8, 20), "no_show"),
    Visit("atencion-vecino", time(8, 40), "attended", 9),
    Visit("atencion-vecino", time(9, 10), "attended", 20, kind="walk_in"),
    Visit("inspeccion-comercio", time(8, 0), "attended", 3),
    Visit("inspeccion-comercio", time(9, 0), "no_show"),
)
#: Appointments still to come, on the next business days (day offset, service, time, holder, e-mail).
UPCOMING = (
    (1, "atencion-vecino", time(9, 0), "ciudadana", "ciudadana@example.com"),
    (1, "atencion-vecino", time(9, 20), None, "vecino@example.com"),
    (2, "atencion-vecino", time(10, 0), None, None),
    (1, "rentas-atencion", time(8, 0), "ciudadana", "ciudadana@example.com"),
)


def seed(now: datetime, calendar: Calendar) -> bool:
    """Create the demo offices, services, agendas and appointments unless they exist (flushes).

    :return: whether anything was created.
    """
    if db.session.get(Office, OFFICES[0][0]) is not None:
        return False
    for office_id, name, address, latitude, longitude in OFFICES:
        db.session.add(Office(id=office_id, name=name, address=address, latitude=latitude, longitude=longitude,
                              active=True))
    for fields in SERVICES:
        db.session.add(Service(**fields))
    db.session.flush()
    agendas: dict[str, Agenda] = {}
    for office_id, service_id, desks, ranges in AGENDAS:
        agenda = Agenda(office_id=office_id, service_id=service_id, desks=desks, active=True)
        db.session.add(agenda)
        db.session.flush()
        agendas[service_id] = agenda
        for weekday in range(5):
            for opens, closes in ranges:
                db.session.add(OpeningHours(agenda_id=agenda.id, weekday=weekday, opens=opens, closes=closes))
    today = calendar.local_date(now)
    _seed_day(seeded_day(today, calendar), agendas, calendar.zone)
    _seed_upcoming(today, agendas, calendar, now)
    db.session.flush()
    return True


def seeded_day(today: date, calendar: Calendar) -> date:
    """The day already attended: the last business day before ``today``."""
    day = today - timedelta(days=1)
    while not calendar.is_business_day(day):
        day -= timedelta(days=1)
    return day


def _slot_minutes(service_id: str) -> int:
    return next(int(str(s["slot_minutes"])) for s in SERVICES if s["id"] == service_id)


def _moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _seed_day(day: date, agendas: dict[str, Agenda], zone: ZoneInfo) -> None:
    tickets: dict[str, int] = {}
    for visit in SEEDED_DAY:
        agenda = agendas[visit.service]
        minutes = _slot_minutes(visit.service)
        starts = _moment(day, visit.at, zone)
        row = Appointment(code=new_code(), agenda_id=agenda.id, kind=visit.kind, starts_at=starts,
                          ends_at=starts + timedelta(minutes=minutes), place=None, status=visit.status,
                          booked_by=DEMO_ACTOR, booked_at=starts - timedelta(days=3))
        if visit.status == "cancelled":
            row.cancelled_at, row.cancel_reason = starts - timedelta(days=1), "La persona canceló el turno."
        if visit.waited is not None:
            tickets[visit.service] = tickets.get(visit.service, 0) + 1
            arrived = starts - timedelta(minutes=5) if visit.kind == "booked" else starts
            row.ticket = f"{visit.service[0].upper()}-{tickets[visit.service]:03d}"
            row.checked_in_at, row.called_at = arrived, arrived + timedelta(minutes=visit.waited)
            row.finished_at, row.desk = row.called_at + timedelta(minutes=10), "Puesto 1"
        db.session.add(row)


def _seed_upcoming(today: date, agendas: dict[str, Agenda], calendar: Calendar, now: datetime) -> None:
    for offset, service_id, at, holder, email in UPCOMING:
        day = calendar.add_business_days(today, offset)
        minutes = _slot_minutes(service_id)
        starts = _moment(day, at, calendar.zone)
        db.session.add(Appointment(code=new_code(), agenda_id=agendas[service_id].id, kind="booked", starts_at=starts,
                                   ends_at=starts + timedelta(minutes=minutes), place=1, status="booked",
                                   holder=holder, booked_by=holder or "invitado", email=email,
                                   document_number="30111222" if holder is None and email is None else None,
                                   booked_at=now))
