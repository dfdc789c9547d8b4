"""The appointments of one case, as its pages show them (the citizen's and the staff's).

The turnero's tables are the truth: a case's variables say what the process was told, but a
move, a cancellation or the desk's call change the appointment itself, so the pages read it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.appointments import links
from engine.appointments.models import Agenda, Appointment, Office, Service
from engine.db import db


@dataclass(frozen=True)
class CaseAppointment:
    """One appointment of the case with where and what it is for."""

    id: str
    code: str
    status: str
    starts_at: datetime
    office: str
    address: str
    service: str
    ticket: str | None
    holder: str | None
    cancel_reason: str | None
    #: The page where its holder sees, moves or cancels it (``None`` until it has a link).
    manage_path: str | None


def of_case(instance_id: str) -> list[CaseAppointment]:
    """The case's appointments, the latest first (moved and cancelled ones too: they are its history).

    :param instance_id: the case's instance id.
    """
    rows = db.session.execute(
        select(Appointment, Office, Service)
        .join(Agenda, Agenda.id == Appointment.agenda_id)
        .join(Office, Office.id == Agenda.office_id)
        .join(Service, Service.id == Agenda.service_id)
        .where(Appointment.instance_id == instance_id)
        .order_by(Appointment.booked_at.desc(), Appointment.starts_at.desc())).all()
    return [CaseAppointment(id=a.id, code=a.code, status=a.status, starts_at=a.starts_at, office=o.name,
                            address=o.address, service=s.name, ticket=a.ticket, holder=a.holder,
                            cancel_reason=a.cancel_reason,
                            manage_path=links.MANAGE_PREFIX + a.manage_token if a.manage_token else None)
            for a, o, s in rows]
