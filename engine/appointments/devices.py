"""The office's devices: a check-in kiosk or a waiting-room display, authorised without anyone signing in on it.

A supervisor registers a device for an office and gets a one-time activation code (shown once,
valid for a day). Typed on the device, the code is exchanged for a long secret that the device
keeps (a cookie); only SHA-256 hashes of the code and of the secret are stored. A kiosk opened
without it shows nothing but the activation form, so nobody on the internet can ask the
kiosk who has an appointment; revoking a device stops it at its next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from engine import audit
from engine.appointments.models import DEVICE_KINDS, Office, OfficeDevice
from engine.db import db
from engine.errors import DataInvalid, NotFound

ACTIVATION_VALID_FOR = timedelta(hours=24)
#: Letters and digits people do not confuse when they type them (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
KIND_NAMES = {"kiosk": "Kiosco de llegada", "display": "Pantalla de sala de espera"}


@dataclass(frozen=True)
class Activated:
    """A device just activated: what it must keep (``token``: ``<device id>.<secret>``)."""

    device: OfficeDevice
    token: str


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalized_code(text: str) -> str:
    """The activation code as stored: capitals, without the spaces and dashes people type."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def register(office_id: str, kind: str, name: str, *, by: str, now: datetime) -> tuple[OfficeDevice, str]:
    """Register a device of an office; return it and its one-time activation code (shown once).

    :raises DataInvalid: for an unknown kind or an empty name.
    :raises NotFound: for an office that does not exist.
    """
    name = " ".join((name or "").split())[:80]
    if kind not in DEVICE_KINDS:
        raise DataInvalid("Elija si el dispositivo es un kiosco o una pantalla.")
    if not name:
        raise DataInvalid("Escriba un nombre para el dispositivo (por ejemplo, «Kiosco de la entrada»).")
    if db.session.get(Office, office_id) is None:
        raise NotFound("La oficina no existe.")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    device = OfficeDevice(office_id=office_id, kind=kind, name=name, activation_hash=_sha256(code),
                          activation_expires_at=now + ACTIVATION_VALID_FOR, created_by=by, created_at=now)
    db.session.add(device)
    db.session.flush()
    audit.record("office_device_registered", by,
                 data={"device": device.id, "office": office_id, "kind": kind, "name": name})
    return device, code


def activate(code: str, *, now: datetime) -> Activated:
    """Exchange a one-time activation code for the device's secret (the code then stops working).

    :raises DataInvalid: for a code that is unknown, used, expired or of a revoked device (one
        message for all: it does not tell which codes exist).
    """
    device = db.session.scalar(select(OfficeDevice).where(
        OfficeDevice.activation_hash == _sha256(normalized_code(code))))
    expires = device.activation_expires_at if device is not None else None
    if device is None or device.revoked_at is not None or expires is None or expires <= now:
        raise DataInvalid("El código de activación no es válido o ya venció. Pida uno nuevo a quien supervisa la "
                          "oficina.")
    secret = secrets.token_urlsafe(32)
    device.secret_hash, device.activated_at = _sha256(secret), now
    device.activation_hash = device.activation_expires_at = None
    db.session.flush()
    audit.record("office_device_activated", f"dispositivo:{device.id}",
                 data={"device": device.id, "office": device.office_id, "kind": device.kind, "name": device.name})
    return Activated(device, f"{device.id}.{secret}")


def authenticated(token: str | None, kind: str) -> OfficeDevice | None:
    """The active device of ``kind`` that presents ``token``, or ``None``."""
    device_id, _, secret = (token or "").partition(".")
    if not device_id or not secret:
        return None
    device = db.session.get(OfficeDevice, device_id)
    if device is None or device.kind != kind or device.revoked_at is not None or device.secret_hash is None:
        return None
    return device if hmac.compare_digest(device.secret_hash, _sha256(secret)) else None


def revoke(device_id: str, *, by: str, now: datetime) -> OfficeDevice:
    """Stop a device (audited); it shows the activation form at its next request.

    :raises NotFound: for a device that does not exist.
    """
    device = db.session.get(OfficeDevice, device_id)
    if device is None:
        raise NotFound("El dispositivo no existe.")
    if device.revoked_at is None:
        device.revoked_at, device.revoked_by = now, by
        device.activation_hash = device.activation_expires_at = None
        db.session.flush()
        audit.record("office_device_revoked", by,
                     data={"device": device.id, "office": device.office_id, "kind": device.kind, "name": device.name})
    return device


def devices_of(office_id: str | None = None) -> list[OfficeDevice]:
    """The registered devices (of one office), the newest first."""
    query = select(OfficeDevice).order_by(OfficeDevice.created_at.desc())
    if office_id is not None:
        query = query.where(OfficeDevice.office_id == office_id)
    return list(db.session.scalars(query))


def actor_of(device: OfficeDevice) -> str:
    """How the audit trail names what a device did."""
    return f"dispositivo:{device.id}"
