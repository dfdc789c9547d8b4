"""Powers of attorney: granted by the «Apoderamiento» procedure, checked on every act, revoked by the party.

The procedure's service task calls the platform's own operation :data:`OPERATION` once staff
of Mesa de Entradas accept the document; the representative is always the person who
*started that case* (a process cannot make someone else a representative) and the party is
the account whose CUIT (a company's) or CUIL (a person's) the request names.

Dates are compared as the calendar day of the platform's clock in UTC: a power «hasta el
31/12» ends three hours after the city's midnight, never before it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from engine import audit
from engine.db import db, utcnow
from engine.errors import NotFound, OperationRefused
from engine.identity.accounts import User
from engine.models import Instance
from engine.representation.models import PowerOfAttorney

OPERATION = "apoderamientos/otorgar"
GRANTED = "power_granted"
REVOKED = "power_revoked"
#: The audit event of every act a representative does in a case (its data names both people).
ACTED = "acted_on_behalf"
_KEY = re.compile(r"^[a-z0-9_]{1,100}$")


class PowerRefused(OperationRefused):
    """The accepted power cannot be recorded (no account with that CUIT, bad dates): an incident
    of the step, whose message staff read; retrying changes nothing."""

    title = "Poder no aplicable"


def today() -> date:
    return utcnow().date()


def call(params: Mapping[str, Any], facts: Mapping[str, Any], on: date | None = None) -> dict[str, Any]:
    """The operation as service tasks call it: the case's starter becomes the representative.

    :param params: ``cuit`` of the represented party; ``tramites`` (procedure keys separated by
        spaces or commas; empty: all); ``desde`` and ``hasta`` (``AAAA-MM-DD``; ``desde`` empty: today,
        ``hasta`` empty: until revoked).
    :param facts: the calling case's (``instance_id``; ``test_case`` for a test case, which grants nothing).
    :param on: the step's day (the default ``desde``).
    :return: ``{"otorgado": bool, "poder": id, "representado": username}``.
    :raises PowerRefused: for an unknown CUIT, one's own CUIT, bad dates or procedure keys.
    """
    cuit = re.sub(r"\D", "", str(params.get("cuit") or ""))
    keys = [k for k in re.split(r"[\s,;]+", str(params.get("tramites") or "").strip()) if k]
    if any(not _KEY.match(k) for k in keys):
        raise PowerRefused("Los trámites del poder deben nombrarse por su clave (p. ej. habilitacion_comercial).")
    valid_from = _date(params.get("desde")) or on or today()
    valid_until = _date(params.get("hasta"))
    if valid_until is not None and valid_until < valid_from:
        raise PowerRefused("La fecha de fin del poder es anterior a la de inicio.")
    if facts.get("test_case"):
        return {"otorgado": False, "prueba": True}
    instance = db.session.get(Instance, str(facts.get("instance_id") or ""))
    if instance is None:
        raise PowerRefused("El poder no tiene un trámite del que surja el apoderado.")
    party = party_by_cuit(cuit)
    if party is None:
        raise PowerRefused("No hay una cuenta con ese CUIT: la persona o empresa representada debe tener cuenta.")
    if party.username == instance.started_by:
        raise PowerRefused("Nadie puede ser apoderado de sí mismo.")
    power = PowerOfAttorney(representative=instance.started_by, party=party.username, procedures=" ".join(keys),
                            valid_from=valid_from, valid_until=valid_until, granted_in=instance.id,
                            accepted_at=utcnow())
    db.session.add(power)
    db.session.flush()
    audit.record(GRANTED, "sistema", instance_id=instance.id, element_id=str(facts.get("element_id") or ""),
                 data={"poder": power.id, "representante": power.representative, "representado": party.username,
                       "tramites": keys, "desde": valid_from.isoformat(),
                       "hasta": valid_until.isoformat() if valid_until else None})
    return {"otorgado": True, "poder": power.id, "representado": party.username}


def _date(value: Any) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError as e:
        raise PowerRefused(f"La fecha «{text[:20]}» no es válida (AAAA-MM-DD).") from e


def party_by_cuit(cuit: str) -> User | None:
    """The active account a CUIT names: a company's CUIT or a person's CUIL."""
    if len(cuit) != 11:
        return None
    return db.session.scalar(select(User).where(or_(User.cuit == cuit, User.cuil == cuit), User.active.is_(True)))


def covering(representative: str, party: str, process_key: str, on: date | None = None) -> PowerOfAttorney | None:
    """The power in force on ``on`` (today) by which ``representative`` acts for ``party`` in a procedure."""
    day = on or today()
    found = db.session.scalars(select(PowerOfAttorney).where(
        PowerOfAttorney.representative == representative, PowerOfAttorney.party == party,
        PowerOfAttorney.revoked_at.is_(None)))
    return next((p for p in found if p.in_force(day) and p.covers(process_key)), None)


def parties_of(representative: str, on: date | None = None) -> list[tuple[PowerOfAttorney, User]]:
    """The powers in force that ``representative`` holds, each with the party's account."""
    day = on or today()
    rows = db.session.execute(select(PowerOfAttorney, User).join(User, User.username == PowerOfAttorney.party)
                              .where(PowerOfAttorney.representative == representative,
                                     PowerOfAttorney.revoked_at.is_(None), User.active.is_(True))
                              .order_by(User.display_name))
    return [(power, user) for power, user in rows if power.in_force(day)]


def given_by(party: str) -> list[tuple[PowerOfAttorney, str]]:
    """Every power ``party`` gave (revoked ones too), newest first, with the representative's name."""
    rows = db.session.execute(select(PowerOfAttorney, User.display_name)
                              .outerjoin(User, User.username == PowerOfAttorney.representative)
                              .where(PowerOfAttorney.party == party)
                              .order_by(PowerOfAttorney.accepted_at.desc()))
    return [(power, name or power.representative) for power, name in rows]


def revoke(party: str, power_id: str, now: datetime) -> PowerOfAttorney:
    """The party ends a power it gave (flushes); the act is audited in the case that granted it.

    :raises NotFound: when the power is not one ``party`` gave, or is already revoked.
    """
    power = db.session.get(PowerOfAttorney, power_id, with_for_update=True)
    if power is None or power.party != party or power.revoked_at is not None:
        raise NotFound("El poder no existe o ya fue revocado.")
    power.revoked_at, power.revoked_by = now, party
    db.session.flush()
    audit.record(REVOKED, party, instance_id=power.granted_in,
                 data={"poder": power.id, "representante": power.representative, "representado": party})
    return power


def record_act(instance: Instance, representative: User, party: User, act: str, task_id: str | None = None) -> None:
    """Leave «X en representación de Y» in the case's trail: ``act`` is ``inicio`` or ``respuesta``."""
    audit.record(ACTED, representative.username, instance_id=instance.id, task_id=task_id,
                 data={"representante": representative.username, "representante_nombre": representative.display_name,
                       "representado": party.username, "representado_nombre": party.display_name, "acto": act})
