"""What a case hears of its appointment: one payload for «turno_reprogramado», «turno_atendido»,
«turno_ausente» and «turno_cancelado», so the process reads the same fields whatever happened."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from engine.appointments.models import Agenda, Appointment, Office, Service
from engine.db import db
from engine.workflow.messages import deliver_to_case
from engine.workflow.step import EngineContext

#: The message a case hears when a person (not the process itself) cancelled its appointment.
CANCELLED_MESSAGE = "turno_cancelado"


def payload(appointment: Appointment) -> dict[str, Any]:
    """``{"turno": {"codigo", "inicio" (ISO 8601, UTC), "estado", "oficina", "servicio"}}``."""
    agenda = db.session.get(Agenda, appointment.agenda_id)
    office = db.session.get(Office, agenda.office_id) if agenda else None
    service = db.session.get(Service, agenda.service_id) if agenda else None
    start = appointment.starts_at
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    return {"turno": {"codigo": appointment.code, "inicio": start.isoformat(), "estado": appointment.status,
                      "oficina": office.name if office else "", "servicio": service.name if service else ""}}


def tell(ctx: EngineContext, appointment: Appointment, name: str, actor: str) -> bool:
    """Deliver ``name`` with the appointment's payload to its case; whether the case caught it
    (a case that is over, or does not wait for it, simply does not)."""
    if appointment.instance_id is None:
        return False
    return deliver_to_case(ctx, appointment.instance_id, name, payload(appointment), actor) is not None
