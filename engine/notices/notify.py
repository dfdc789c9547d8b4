"""``notificaciones/notificar``: the engine operation that notifies a case's document to its applicant.

The document is one of the case file (a certificate a previous service task issued, or a
folio); the notice joins it to the applicant's electronic address and sets the moment it
will count as received if they never open it: ``term_days`` business days after it was sent,
on the city's calendar (holidays included).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import audit
from engine.casefile import expediente
from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.errors import NotFound, OperationRefused
from engine.identity.accounts import User
from engine.models import Certificate, Document, Instance
from engine.notices.address import address_of
from engine.notices.models import Notice
from engine.workflow.step import EngineContext

OPERATION = "notificaciones/notificar"
#: The message a case gets when a notice counts as received, correlated by ``notificacion``.
RECEIVED_MESSAGE = "notificacion_recibida"
#: The audit event of a notice sent; the citizens' e-mails tell the person of it (without its content).
NOTICE_SENT = "notice_sent"
DEFAULT_TERM_DAYS = 10


class NoticeError(OperationRefused):
    """A notifying call that cannot succeed as written."""


def notify(ctx: EngineContext, params: dict[str, Any], facts: dict[str, Any], *,
           term_days: int = DEFAULT_TERM_DAYS) -> dict[str, Any]:
    """Notify ``params["documento"]`` of the calling case to its applicant's electronic address.

    :param params: ``documento`` (a certificate result, its code, or a folio number) and an
        optional ``titulo`` (what the person reads; the document's title by default).
    :return: ``{"domicilio_electronico": False, "notificacion": None}`` when the applicant has
        no electronic address (the procedure notifies by the usual channels); otherwise the
        notice's id, when it was sent and when it will be deemed received.
    :raises NoticeError: when the document is not one of the case's.
    """
    instance = db.session.get(Instance, facts.get("instance_id"))
    if instance is None:
        raise NotFound("El expediente no existe.")
    document = _document_of(instance.id, params.get("documento"))
    person = db.session.scalar(select(User).where(User.username == instance.started_by))
    if person is None or address_of(person.id) is None:
        audit.record("notice_not_sent", "sistema", instance_id=instance.id, element_id=facts.get("element_id"),
                     data={"folio": document.folio, "reason": "sin domicilio electrónico"})
        return {"domicilio_electronico": False, "notificacion": None}
    now = ctx.clock_for(instance)()
    deemed = city_calendar(ctx.timezone).due_after(now, term_days)
    notice = Notice(instance_id=instance.id, document_id=document.id, recipient=person.username,
                    title=str(params.get("titulo") or document.title)[:300], sent_at=now, deemed_due_at=deemed)
    db.session.add(notice)
    db.session.flush()
    audit.record(NOTICE_SENT, "sistema", instance_id=instance.id, element_id=facts.get("element_id"),
                 data={"notice": notice.id, "folio": document.folio, "sha256": document.sha256, "title": notice.title,
                       "recipient": person.username, "deemed_due_at": deemed.isoformat()})
    return {"domicilio_electronico": True, "notificacion": notice.id, "enviada": now.isoformat(),
            "vence": deemed.isoformat()}


def _document_of(instance_id: str, reference: Any) -> Document:
    """The case's document a ``documento`` parameter names: a certificate (result or code) or a folio."""
    if isinstance(reference, dict):
        reference = reference.get("codigo")
    document_id: str | None = None
    if isinstance(reference, int) and not isinstance(reference, bool):
        document_id = db.session.scalar(select(Document.id).where(Document.instance_id == instance_id,
                                                                  Document.folio == reference))
    elif isinstance(reference, str):
        certificate = db.session.get(Certificate, reference)
        if certificate is not None and certificate.instance_id == instance_id:
            document_id = certificate.document_id
    if document_id is None:
        raise NoticeError("«documento» debe nombrar un documento de este expediente: el resultado de "
                          "documentos/emitir_certificado, su código o un número de folio.")
    return expediente.document(instance_id, document_id)
