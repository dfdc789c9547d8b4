"""A person's electronic address (domicilio electrónico): the terms, their explicit acceptance, the look-up.

Until a person accepts, notices do not reach them through the platform: the notifying
operation says so and the procedure uses the usual channels.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from engine import audit
from engine.db import db
from engine.errors import Conflict
from engine.identity.accounts import User
from engine.notices.models import ElectronicAddress

TERMS_VERSION = "2026-12"
#: What the person accepts, word for word (its hash is kept with the acceptance).
TERMS = (
    "Constituyo domicilio electrónico en la plataforma de trámites de la Municipalidad de San Miguel de "
    "Tucumán. Acepto que las notificaciones de mis trámites se me hagan en él y que produzcan todos sus "
    "efectos legales: una notificación se tiene por recibida el día en que la abro en la plataforma o, si no "
    "la abro, al vencer el plazo en días hábiles que fija la Municipalidad desde que queda disponible. "
    "Me comprometo a ingresar periódicamente a la plataforma."
)


def terms_sha256() -> str:
    return hashlib.sha256(TERMS.encode()).hexdigest()


def address_of(user_id: str) -> ElectronicAddress | None:
    """The person's accepted electronic address, if they accepted one."""
    return db.session.get(ElectronicAddress, user_id)


def accept(user: User, now: datetime) -> ElectronicAddress:
    """Record the person's acceptance of the terms (flushes; audited).

    :raises Conflict: when they had accepted already (acceptance happens once).
    """
    if address_of(user.id) is not None:
        raise Conflict("Ya constituyó su domicilio electrónico.")
    accepted = ElectronicAddress(user_id=user.id, accepted_at=now, terms_version=TERMS_VERSION,
                                 terms_sha256=terms_sha256())
    db.session.add(accepted)
    db.session.flush()
    audit.record("electronic_address_accepted", user.username,
                 data={"terms_version": TERMS_VERSION, "terms_sha256": accepted.terms_sha256,
                       "accepted_at": now.isoformat()})
    return accepted
