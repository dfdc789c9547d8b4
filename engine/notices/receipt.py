"""When a notice counts as received: opened by its recipient, or deemed received at the end of its term.

Either way, in the same transaction: the moment is recorded, the signed proof of notification
(constancia de notificación) joins the case file and becomes verifiable like any certificate,
and the case gets the message :data:`~engine.notices.notify.RECEIVED_MESSAGE` correlated by the
notice's id, so that a procedure waiting for it starts its legal deadlines from that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine import audit
from engine.casefile import expediente
from engine.dates import date_text
from engine.db import db
from engine.errors import NotFound, Unavailable
from engine.models import Document, Instance
from engine.notices.models import Notice
from engine.notices.notify import RECEIVED_MESSAGE
from engine.workflow import messages
from engine.workflow.step import EngineContext

#: ``issue(template_folder, data, title) -> certificate result``: the documents connector's signing path.
IssueCertificate = Callable[[str, dict[str, Any], str], dict[str, Any]]
PROOF_TEMPLATE = Path(__file__).with_name("constancia")
PROOF_TITLE = "Constancia de notificación"
SYSTEM = "sistema"
#: How long a receipt waits for a case that is not waiting for it yet (it may still be on its way).
KEEP_FOR = timedelta(days=365)
OPENED, DEEMED = "apertura", "vencimiento del plazo"


def notices_of(username: str) -> list[tuple[Notice, Instance]]:
    """The person's notices, newest first, each with its case."""
    query = (select(Notice, Instance).join(Instance, Instance.id == Notice.instance_id)
             .where(Notice.recipient == username).order_by(Notice.sent_at.desc()))
    return [(n, i) for n, i in db.session.execute(query)]


def notices_of_case(instance_id: str) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.instance_id == instance_id)
                                   .order_by(Notice.sent_at)))


def notice_of_document(username: str, instance_id: str, document_id: str) -> Notice | None:
    """The person's notice of this document of the case, if it was notified to them (oldest first)."""
    return db.session.scalars(select(Notice).where(Notice.recipient == username, Notice.instance_id == instance_id,
                                                   Notice.document_id == document_id)
                              .order_by(Notice.sent_at).limit(1)).first()


def open_notice(ctx: EngineContext, username: str, notice_id: str, issue: IssueCertificate | None) -> Document:
    """The recipient opens a notice: the first opening makes it received. Returns the notified document.

    :raises NotFound: for a notice that is not this person's (never tells it exists).
    """
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.recipient != username:
        raise NotFound("La notificación no existe.")
    if notice.opened_at is None:
        notice.opened_at = ctx.now()
        audit.record("notice_opened", username, instance_id=notice.instance_id,
                     data={"notice": notice.id, "opened_at": notice.opened_at.isoformat()})
        if notice.received_at is None:
            _receive(ctx, notice, notice.opened_at, OPENED, issue)
    return expediente.document(notice.instance_id, notice.document_id)


def due_notices(now: datetime, limit: int = 100) -> list[str]:
    """Notices never opened whose term has ended, oldest first (the background work's list)."""
    return list(db.session.scalars(select(Notice.id).where(Notice.received_at.is_(None), Notice.deemed_due_at <= now)
                                   .order_by(Notice.deemed_due_at).limit(limit)))


def deem_received(ctx: EngineContext, notice_id: str, issue: IssueCertificate) -> Notice | None:
    """Deem an unopened notice received at the end of its term (the background work's step)."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.received_at is not None or notice.deemed_due_at > ctx.now():
        return None
    _receive(ctx, notice, notice.deemed_due_at, DEEMED, issue)
    return notice


def _receive(ctx: EngineContext, notice: Notice, at: datetime, how: str, issue: IssueCertificate | None) -> None:
    if issue is None:
        raise Unavailable("No se puede firmar la constancia de notificación: no hay conector de documentos.")
    instance = db.session.get(Instance, notice.instance_id)
    if instance is None:
        raise NotFound("El expediente no existe.")
    notice.received_at = at
    proof = issue(str(PROOF_TEMPLATE), proof_data(notice, instance, how, ctx.timezone), PROOF_TITLE)
    expediente.register_certificate(instance.id, proof, SYSTEM, case_number=instance.number)
    notice.proof_code = proof["codigo"]
    audit.record("notice_received", SYSTEM, instance_id=instance.id,
                 data={"notice": notice.id, "received_at": at.isoformat(), "how": how, "proof": proof["codigo"]})
    db.session.flush()
    messages.deliver_or_keep(ctx, RECEIVED_MESSAGE, {"notificacion": notice.id},
                             {"recibida": at.isoformat(), "forma": how}, SYSTEM, ttl=KEEP_FOR)


def proof_data(notice: Notice, instance: Instance, how: str, timezone: str) -> dict[str, Any]:
    """What the proof states: what was notified, to whom, when it was sent and when it counts as received."""
    document = db.session.get(Document, notice.document_id)
    received = notice.received_at or notice.deemed_due_at
    rows = [["Expediente", instance.number], ["Documento notificado", notice.title],
            ["Folio", str(document.folio if document else "")],
            ["Huella SHA-256 del documento", document.sha256 if document else ""],
            ["Destinatario (domicilio electrónico)", notice.recipient],
            ["Puesta a disposición", _moment(notice.sent_at, timezone)],
            ["Recibida", _moment(received, timezone)], ["Forma de recepción", how]]
    body = ("La Municipalidad de San Miguel de Tucumán deja constancia de que el documento que se detalla fue "
            "notificado en el domicilio electrónico del destinatario y de cuándo se tiene por recibido.")
    return {"cuerpo": body, "filas": rows}


def _moment(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{date_text(local.date())} {local:%H:%M}"
