"""Rectification of a person's profile (art. 16 Ley 25.326), carried out by a process.

The procedure «Rectificación de datos personales» lets a person say what is wrong; staff
review it and, when they accept it, the process's service task calls the platform's own
operation :data:`OPERATION`, which changes the profile of the person who *started the case*
(never an account the process names: a process cannot rectify someone else). Each change
leaves an audit event in the case with the values before and after.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from engine import audit
from engine.db import db
from engine.errors import OperationRefused
from engine.identity.accounts import User
from engine.identity.signup import SignupInvalid, parse_document
from engine.models import Instance

OPERATION = "datos_personales/rectificar"
#: What a rectification may change: the operation's parameter → the account's column.
FIELDS = {"nombre": "display_name", "correo": "email", "documento": "dni"}
EVENT = "personal_data_rectified"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RectificationRefused(OperationRefused):
    """The accepted change cannot be applied (bad value, taken by another account): an incident
    of the step, whose message staff read; retrying changes nothing."""

    title = "Rectificación no aplicable"


def call(params: Mapping[str, Any], facts: Mapping[str, Any]) -> dict[str, Any]:
    """The operation as service tasks call it: apply ``params`` to the case starter's profile.

    :param params: ``nombre``, ``correo``, ``documento`` (DNI or CUIL); empty ones change nothing.
    :param facts: the calling case's facts (``instance_id``; ``test_case`` for a test case,
        which changes nobody's profile).
    :return: ``{"rectificado": bool, "campos": [...]}``.
    :raises RectificationRefused: when a value is not valid or belongs to another account.
    """
    given = {name: str(value or "").strip() for name, value in params.items()}
    changes = {name: value for name, value in given.items() if name in FIELDS and value}
    unknown = sorted(set(params) - set(FIELDS))
    if unknown:
        raise RectificationRefused(f"Parámetros desconocidos: {', '.join(unknown)}.")
    if facts.get("test_case"):
        return {"rectificado": False, "campos": sorted(changes), "prueba": True}
    instance = db.session.get(Instance, str(facts.get("instance_id") or ""))
    user = db.session.scalar(select(User).where(User.username == instance.started_by)) if instance else None
    if instance is None or user is None:
        raise RectificationRefused("El trámite no tiene una cuenta a la que aplicar la rectificación.")
    before, after = rectify(user, changes)
    if after:
        audit.record(EVENT, "sistema", instance_id=instance.id, element_id=str(facts.get("element_id") or ""),
                     data={"usuario": user.username, "antes": before, "despues": after})
    return {"rectificado": bool(after), "campos": sorted(after)}


def rectify(user: User, changes: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply the changes to the account (flushes); return the values before and after of what changed.

    :raises RectificationRefused: as :func:`call`.
    """
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in changes.items():
        updates = _column_values(name, value)
        for column, new in updates.items():
            _refuse_taken(user, column, new)
            old = getattr(user, column)
            if old != new:
                before[column], after[column] = old, new
                setattr(user, column, new)
    db.session.flush()
    return before, after


def _column_values(name: str, value: str) -> dict[str, Any]:
    if name == "nombre":
        if not 3 <= len(value) <= 200:
            raise RectificationRefused("El nombre debe tener entre 3 y 200 caracteres.")
        return {"display_name": value}
    if name == "correo":
        if len(value) > 254 or not _EMAIL.match(value):
            raise RectificationRefused("El correo electrónico no es válido.")
        return {"email": value.lower()}
    try:
        dni, cuil = parse_document(value)
    except SignupInvalid as e:
        raise RectificationRefused("El documento no es un DNI ni un CUIL válido.") from e
    return {"dni": dni, "cuil": cuil} if cuil else {"dni": dni}


def _refuse_taken(user: User, column: str, value: Any) -> None:
    if column not in ("email", "dni"):
        return
    other = db.session.scalar(select(User.id).where(getattr(User, column) == value, User.id != user.id))
    if other is not None:
        raise RectificationRefused("Ese dato ya figura en otra cuenta: la rectificación no se puede aplicar.")
