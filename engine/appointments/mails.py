"""The appointment's e-mails (confirmation, reminder, cancellation, a guest's verification link),
written into the outbox in the transaction of the change they tell of.

They go through the platform's ``notificar/email`` templates, so they leave like every other
e-mail: handed over after the commit by the front that made the change (``Runtime.hand_over``),
or by the background work's outbox retries otherwise. An appointment of an analyst's test case
writes its e-mails as suppressed: it reaches no one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.appointments.confirmation import Confirmation, confirmation
from engine.appointments.models import Appointment
from engine.db import db, utcnow
from engine.identity.accounts import User
from engine.models import Instance
from engine.workflow import outbox

EMAIL_OPERATION = "notificar/email"
CONFIRMED = "turno_confirmado"
REMINDER = "turno_recordatorio"
CANCELLED = "turno_cancelado"
GUEST_VERIFICATION = "turno_verificar"


def recipient(appointment: Appointment) -> tuple[str, str] | None:
    """The address and name an appointment's e-mails go to: the one given when booking, else the
    holder account's; ``None`` when there is none."""
    holder = db.session.scalar(select(User).where(User.username == appointment.holder)) if appointment.holder else None
    address = appointment.email or (holder.email if holder is not None else None)
    if not address:
        return None
    return address, (holder.display_name if holder is not None else "") or address


def queue(appointment: Appointment, template: str, *, zone: str, public_url: str,
          extra: dict[str, Any] | None = None) -> int | None:
    """Write one of the appointment's e-mails into the outbox; its id (``None``: no address, or a test case's)."""
    found = recipient(appointment)
    if found is None:
        return None
    address, name = found
    details = confirmation(appointment, zone=zone, public_url=public_url)
    params = {"para": address, "plantilla": template, "datos": {**_data(appointment, details, name, template),
                                                                  **(extra or {})}}
    facts: dict[str, Any] = {"instance_id": appointment.instance_id, "public_url": public_url,
                             "appointment": appointment.id}
    instance = db.session.get(Instance, appointment.instance_id) if appointment.instance_id else None
    if instance is not None and instance.is_test:
        facts["test_case"] = True
        outbox.suppress(EMAIL_OPERATION, params, facts, utcnow())
        return None
    return outbox.enqueue(EMAIL_OPERATION, params, facts, utcnow())


def queue_guest_link(address: str, *, service: str, office: str, starts: str, expires: str, link: str) -> int:
    """The link a guest follows to confirm their address and book the slot they asked for."""
    params = {"para": address, "plantilla": GUEST_VERIFICATION,
              "datos": {"servicio": service, "oficina": office, "fecha": starts, "vence": expires, "enlace": link}}
    return outbox.enqueue(EMAIL_OPERATION, params, {}, utcnow())


def _data(appointment: Appointment, details: Confirmation, name: str, template: str) -> dict[str, Any]:
    """The template's values; a cancellation's link is the appointment's page, which offers to book again."""
    data = {"nombre": name, "servicio": details.service, "oficina": details.office, "fecha": details.starts,
            "enlace": details.manage_url}
    if template == CANCELLED:
        data["motivo"] = appointment.cancel_reason or ""
    else:
        data.update({"direccion": details.address, "codigo": details.code})
    return data
