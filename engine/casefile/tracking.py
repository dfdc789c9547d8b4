"""The public tracking code of a case: opaque, random, and enough to follow it without an account.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), shown in
groups of four (``7KQM-X3HD-9WTR``), about 59 bits of randomness: it says nothing about the
person or the case number and cannot be guessed. It is created with the case (the portal's
start calls :func:`tracking_code`) or the first time someone asks for it (cases started over
the REST API or by sensors), and stored in ``portal_tracking_codes`` keyed by the instance.
People may type it in any case, with or without dashes and spaces.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from engine.casefile.models import TrackingCode
from engine.db import db, utcnow
from engine.models import Instance

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
GROUP = 4


def tracking_code(instance: Instance) -> str:
    """The case's tracking code, created (and flushed) when it has none yet.

    :param instance: a case already in the session (flushed, so it has an id).
    :return: the code in its display form, ``XXXX-XXXX-XXXX``.
    """
    row = db.session.get(TrackingCode, instance.id)
    if row is None:
        row = TrackingCode(instance_id=instance.id, code=_new_code(), created_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return _display(row.code)


def existing_code(instance: Instance) -> str | None:
    """The case's tracking code when it has one (never creates it: for readers such as auditors)."""
    row = db.session.get(TrackingCode, instance.id)
    return None if row is None else _display(row.code)


def case_by_tracking_code(code: str) -> Instance | None:
    """The case with this tracking code as a person typed it; ``None`` when there is none."""
    compact = normalize(code)
    if compact is None:
        return None
    row = db.session.scalar(select(TrackingCode).where(TrackingCode.code == compact))
    return None if row is None else db.session.get(Instance, row.instance_id)


def normalize(code: str | None) -> str | None:
    """The stored form of a typed code (upper case, no dashes or spaces); ``None`` when it cannot be one."""
    compact = "".join(c for c in (code or "").upper() if c not in " -")
    if len(compact) != LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return compact


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if db.session.scalar(select(TrackingCode.instance_id).where(TrackingCode.code == code)) is None:
            return code


def _display(compact: str) -> str:
    return "-".join(compact[i:i + GROUP] for i in range(0, LENGTH, GROUP))
