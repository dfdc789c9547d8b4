"""The link a person follows to see, cancel or move an appointment, signed in or not.

The link carries the appointment's own random ``manage_token`` (never its id or code, which the
kiosk and the display show), so it works for a guest from the confirmation e-mail and for anyone
the holder forwards it to, and for nobody else.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from engine.appointments.models import Appointment
from engine.db import db

#: Where the portal serves the page of one appointment (``portal/appointments.py``).
MANAGE_PREFIX = "/turnos/gestionar/"


def manage_path(appointment: Appointment) -> str:
    """The path (without the site's address) of the appointment's page; gives it a token if it had none."""
    if not appointment.manage_token:
        appointment.manage_token = secrets.token_urlsafe(24)
        db.session.flush()
    return MANAGE_PREFIX + appointment.manage_token


def by_token(token: str) -> Appointment | None:
    """The appointment a manage link names, or ``None`` for an unknown token."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Appointment).where(Appointment.manage_token == token))
