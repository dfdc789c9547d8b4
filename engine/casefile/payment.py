"""The payment step a bundle declares, and the slips a citizen pays while the case waits at it.

The manifest says which message the case waits for while the citizen pays and which case
variable holds GAF's answer (``numero``, ``importe``, ``vencimiento``, ``url_boleta``)::

    pago:
      mensaje: pago_tasa
      boleta: boleta

Nothing is guessed from names: a procedure without ``pago`` has no payment step. When a case
starts waiting at that step with a slip it had not announced, :func:`announce_new_slips` records
``payment_slip_issued`` in its audit trail, once per slip number: the citizen's news and e-mail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine import audit
from engine.casefile.summary import lookup
from engine.db import db
from engine.models import AuditEvent, Instance
from forms.display import date_or_moment, money

MANIFEST_KEY = "pago"
#: The audit event of a slip the case waits to be paid (its data: the slip's fields as GAF gave them).
SLIP_ISSUED = "payment_slip_issued"
_SLIP_FIELDS = ("numero", "importe", "vencimiento", "url_boleta", "codigo_pago")


@dataclass(frozen=True)
class PaymentStep:
    """The declared payment: the awaited message and the variable (a dotted path) holding the slip."""

    message: str
    slip: str


@dataclass(frozen=True)
class Slip:
    """A slip as the citizen reads it: amount ``$ 120.000,00``, due date ``21/12/2026``."""

    number: str
    url: str
    amount: str = ""
    due: str = ""
    code: str = ""


def declared(manifest: Mapping[str, Any] | None) -> PaymentStep | None:
    """The manifest's ``pago`` (checked at deploy), or ``None``."""
    found = (manifest or {}).get(MANIFEST_KEY)
    if not isinstance(found, Mapping):
        return None
    message, slip = found.get("mensaje"), found.get("boleta")
    if not (isinstance(message, str) and message and isinstance(slip, str) and slip):
        return None
    return PaymentStep(message, slip)


def problems(manifest: Mapping[str, Any] | None, messages: set[str]) -> list[tuple[str, str]]:
    """What is wrong with the manifest's ``pago`` given the bundle's BPMN message names.

    :return: ``(element, message)`` pairs in Spanish, empty when it is fine or absent.
    """
    found = (manifest or {}).get(MANIFEST_KEY)
    if found is None:
        return []
    if declared(manifest) is None:
        return [("pago", "«pago» debe indicar «mensaje» (el mensaje BPMN que espera el pago) y «boleta» "
                         "(la variable con la respuesta de GAF).")]
    step = declared(manifest)
    assert step is not None  # noqa: S101 - narrowed above
    if step.message not in messages:
        known = ", ".join(sorted(messages)) or "ninguno"
        return [("pago.mensaje", f"El mensaje «{step.message}» no está en el BPMN (mensajes: {known}).")]
    return []


def slips(instance: Instance) -> list[Slip]:
    """The slip the declared variable holds, when it has a ``url_boleta`` (none without ``pago``)."""
    return [slip_of(s) for s in _raw_slips(instance)]


def announce_new_slips(instance: Instance, awaited: Iterable[str], actor: str) -> list[AuditEvent]:
    """Record ``payment_slip_issued`` for each slip the case now waits to be paid and has not announced.

    :param awaited: the names of the messages the case waits for after its step.
    :return: the new audit events (flushed with the step, never committed here).
    """
    awaited = set(awaited)
    if not awaited:  # most steps wait on people, not on a message: no manifest read on that hot path
        return []
    step = declared(instance.deployment.manifest)
    if step is None or step.message not in awaited:
        return []
    announced = {str((data or {}).get("numero")) for data in db.session.scalars(
        select(AuditEvent.data).where(AuditEvent.instance_id == instance.id, AuditEvent.type == SLIP_ISSUED))}
    found = []
    for raw in _raw_slips(instance):
        if str(raw.get("numero") or "") in announced:
            continue
        facts = {k: str(raw[k]) for k in _SLIP_FIELDS if raw.get(k) not in (None, "")}
        found.append(audit.record(SLIP_ISSUED, actor, instance_id=instance.id, data=facts))
        announced.add(facts.get("numero", ""))
    return found


def _raw_slips(instance: Instance) -> list[Mapping[str, Any]]:
    step = declared(instance.deployment.manifest)
    if step is None:
        return []
    value = lookup(instance.data or {}, step.slip)
    found = value if isinstance(value, list) else [value]
    return [s for s in found if isinstance(s, Mapping) and isinstance(s.get("url_boleta"), str)]


def slip_of(value: Mapping[str, Any]) -> Slip:
    """A slip as GAF gave it (or as its audit event keeps it) in the citizen's words."""
    due = value.get("vencimiento")
    return Slip(number=str(value.get("numero") or ""), url=value["url_boleta"],
                amount=money(value["importe"]) if value.get("importe") not in (None, "") else "",
                due=(date_or_moment(due) or due) if isinstance(due, str) else "",
                code=str(value.get("codigo_pago") or ""))
