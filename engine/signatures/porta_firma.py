"""The porta firma: open a signature request for a document, list what waits for an official, sign, refuse.

A request's officials sign in the order the bundle declared; only the step whose turn it is
shows in a worklist, to the members of its group. Signing needs the official's own
credential (see ``sign_documents``, which ``create_app`` injects: the key never reaches the
engine), and each signature is stored as a new version of the document. When the last
official signed, or one refused, the case receives the request's message with
``{"firmado": true}`` or ``{"firmado": false, "motivo": …}``.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import audit
from engine.casefile import expediente
from engine.casefile.expediente import NewDocument
from engine.db import db
from engine.errors import Conflict, DataInvalid, NotFound
from engine.models import Certificate, Instance
from engine.ports import DocumentStore
from engine.signatures.models import PENDING, REFUSED, SIGNED, WAITING, SignatureRequest, SignatureStep
from engine.workflow import messages
from engine.workflow.step import EngineContext

#: The key of an issuing result that asks for officials' signatures: ``[{"grupo", "rol"}]``.
SIGNERS_KEY = "firmantes"
DEFAULT_MESSAGE = "documento_firmado"
MAX_BATCH = 50
#: ``sign_documents(username, passphrase, [(pdf, reason, field name)]) -> [{"pdf", "signer",
#: "certificate_sha256"}]``: one official's credential opened once for the whole batch.
SignDocuments = Callable[[str, str, list[tuple[bytes, str, str]]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Official:
    """Who signs: the account, the name documents show, and the groups they sign for."""

    username: str
    name: str
    groups: Sequence[str]


def wants_signatures(result: Any) -> bool:
    """Tell whether an issuing result asks for officials' signatures."""
    return isinstance(result, dict) and bool(result.get(SIGNERS_KEY))


def open_request(instance_id: str, result: dict[str, Any], actor: str,
                 case_number: str | None = None) -> SignatureRequest:
    """Open the request for a document a service task issued unsigned (its certificate registered already).

    :param result: the issuing result, with ``firmantes`` (``[{"grupo", "rol"}]``, in signing
        order) and optionally ``mensaje`` (the message the case waits for).
    """
    request = SignatureRequest(instance_id=instance_id, certificate_code=result["codigo"], title=result["titulo"],
                               case_number=case_number or result.get("numero_expediente"),
                               message=result.get("mensaje") or DEFAULT_MESSAGE, storage_key=result["clave"],
                               sha256=result["sha256"], size=int(result["bytes"]), status=PENDING, next_position=1)
    for position, wanted in enumerate(result[SIGNERS_KEY], start=1):
        request.steps.append(SignatureStep(position=position, group=wanted["grupo"],
                                           role=wanted.get("rol") or wanted["grupo"], status=WAITING))
    db.session.add(request)
    db.session.flush()
    audit.record("signatures_requested", actor, instance_id=instance_id,
                 data={"code": request.certificate_code, "title": request.title,
                       "signers": [{"group": step.group, "role": step.role} for step in request.steps]})
    return request


def _turn_query(groups: Sequence[str]) -> Any:
    return (select(SignatureStep).join(SignatureRequest)
            .where(SignatureRequest.status == PENDING, SignatureStep.status == WAITING,
                   SignatureStep.position == SignatureRequest.next_position,
                   SignatureStep.group.in_(list(groups))))


def waiting_for(groups: Sequence[str]) -> list[SignatureStep]:
    """The steps whose turn it is, for an official of ``groups``: oldest request first."""
    if not groups:
        return []
    return list(db.session.scalars(_turn_query(groups).order_by(SignatureRequest.created_at, SignatureStep.id)))


def turn_of(step_id: str, official: Official) -> SignatureStep:
    """The step if it is this official's turn to sign it.

    :raises NotFound: otherwise (another group's, not its turn yet, or done): never shown.
    """
    found = db.session.scalar(_turn_query(official.groups).where(SignatureStep.id == step_id))
    if found is None:
        raise NotFound("El documento no está en su porta firma.")
    return found


def current_pdf(request: SignatureRequest, store: DocumentStore) -> bytes:
    """The document's latest bytes (with every signature so far)."""
    with store.get(request.storage_key) as stream:
        return stream.read()


def sign(ctx: EngineContext, step_ids: Sequence[str], official: Official, passphrase: str,
         sign_documents: SignDocuments, store: DocumentStore, now: datetime) -> list[SignatureStep]:
    """Sign one or many documents of the official's porta firma with their credential.

    All or nothing: a wrong passphrase or a document no longer waiting signs none.

    :raises DataInvalid: for an empty or too large batch, or when the credential refuses.
    :raises NotFound: when a document is not (any more) waiting for this official.
    """
    unique = list(dict.fromkeys(step_ids))
    if not unique or len(unique) > MAX_BATCH:
        raise DataInvalid(f"Elija entre 1 y {MAX_BATCH} documentos para firmar.")
    if not passphrase:
        raise DataInvalid("Escriba la clave de su credencial de firma.")
    steps = [turn_of(step_id, official) for step_id in unique]
    work = [(current_pdf(step.request, store), f"Firma de «{step.request.title}» como {step.role}",
             f"Firma{step.position}") for step in steps]
    signed = sign_documents(official.username, passphrase, work)
    for step, outcome in zip(steps, signed, strict=True):
        _record_signature(ctx, step, official, outcome, store, now)
    return steps


def _record_signature(ctx: EngineContext, step: SignatureStep, official: Official, outcome: dict[str, Any],
                      store: DocumentStore, now: datetime) -> None:
    request = step.request
    pdf: bytes = outcome["pdf"]
    request.storage_key = str(store.put(io.BytesIO(pdf)))
    request.sha256, request.size = hashlib.sha256(pdf).hexdigest(), len(pdf)
    step.status, step.signer, step.signer_name = SIGNED, official.username, official.name
    step.certificate_sha256, step.signed_at = outcome["certificate_sha256"], now
    audit.record("document_signed", official.username, instance_id=request.instance_id,
                 data={"code": request.certificate_code, "title": request.title, "role": step.role,
                       "position": step.position, "certificate": outcome["signer"], "sha256": request.sha256})
    if step.position < len(request.steps):
        request.next_position = step.position + 1
        db.session.flush()
        return
    _finish(ctx, request, SIGNED, now, official.username, {"firmado": True})


def refuse(ctx: EngineContext, step_id: str, official: Official, reason: str, now: datetime) -> SignatureStep:
    """Refuse to sign, with a reason: the request ends and the case hears ``firmado: false``.

    :raises DataInvalid: without a reason.
    :raises NotFound: when the document is not waiting for this official.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DataInvalid("Escriba el motivo del rechazo.")
    step = turn_of(step_id, official)
    step.status, step.signer, step.signer_name = REFUSED, official.username, official.name
    step.signed_at, step.refusal = now, reason[:2000]
    audit.record("signature_refused", official.username, instance_id=step.request.instance_id,
                 data={"code": step.request.certificate_code, "title": step.request.title, "role": step.role,
                       "reason": step.refusal})
    _finish(ctx, step.request, REFUSED, now, official.username, {"firmado": False, "motivo": step.refusal})
    return step


def _finish(ctx: EngineContext, request: SignatureRequest, status: str, now: datetime, actor: str,
            news: dict[str, Any]) -> None:
    request.status, request.completed_at = status, now
    if status == SIGNED:
        _publish(request, actor)
    db.session.flush()
    reached = messages.deliver_to_case(ctx, request.instance_id, request.message, news, actor)
    if reached is None:
        audit.record("message_dropped", actor, instance_id=request.instance_id,
                     data={"name": request.message, "reason": "El caso no espera este mensaje."})


def _publish(request: SignatureRequest, actor: str) -> None:
    """The signed document joins the case file and becomes what its verification code vouches for."""
    instance = db.session.get(Instance, request.instance_id)
    if instance is None:
        raise Conflict("El expediente ya no existe.")
    document = expediente.add_document(request.instance_id, NewDocument(
        kind="signed", title=f"{request.title} (firmado)", filename=f"{request.certificate_code}.pdf",
        content_type="application/pdf", size=request.size, sha256=request.sha256,
        storage_key=request.storage_key), actor)
    certificate = db.session.get(Certificate, request.certificate_code)
    if certificate is not None:
        certificate.sha256, certificate.storage_key = request.sha256, request.storage_key
        certificate.size, certificate.document_id = request.size, document.id


def request_for(code: str) -> SignatureRequest | None:
    """The signature request behind a verification code, if the document needed officials' signatures."""
    return db.session.scalar(select(SignatureRequest).where(SignatureRequest.certificate_code == code).limit(1))


def recognised(certificate_sha256: str) -> bool:
    """Whether a certificate signed a request on this platform (for the verification of an uploaded PDF)."""
    return db.session.scalar(select(SignatureStep.id).where(
        SignatureStep.certificate_sha256 == certificate_sha256).limit(1)) is not None
