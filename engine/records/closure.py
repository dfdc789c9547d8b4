"""Closing and reopening a case file, each by an act filed in it, and what the background work
does with closed files: close finished cases when their procedure says so, and list the ones
whose retention ended for staff to approve their disposal.

A closed case file accepts nothing new (no comment, no document) until it is reopened; only
finished cases (completed or terminated) are closed, so no task or message can reach one.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta

from sqlalchemy import select

from engine import audit
from engine.casefile.expediente import NewDocument, add_document
from engine.dates import moment_text
from engine.db import db
from engine.errors import Conflict, DataInvalid, NotFound
from engine.models import Deployment, Instance
from engine.ports import DocumentStore
from engine.records.models import CaseRecord
from engine.records.policy import policy_of

FINISHED = ("completed", "terminated")
MAX_REASON = 2000
CLOSED = "El expediente está cerrado: solo admite su reapertura."


def record_of(instance_id: str) -> CaseRecord | None:
    """The archive record of a closed case; ``None`` while the case is open."""
    return db.session.get(CaseRecord, instance_id)


def refuse_if_closed(instance_id: str) -> None:
    """Stop any new action on a closed case file.

    :raises Conflict: when the case is closed.
    """
    if record_of(instance_id) is not None:
        raise Conflict(CLOSED)


def retained_until(closed_at: datetime, years: int) -> datetime:
    """The day a file closed at ``closed_at`` stops being kept (29 February → 28 February)."""
    try:
        return closed_at.replace(year=closed_at.year + years)
    except ValueError:
        return closed_at.replace(year=closed_at.year + years, day=28)


def _reason(text: str) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise DataInvalid("Indique el motivo.", errors=[{"field": "motivo", "message": "Indique el motivo."}])
    if len(reason) > MAX_REASON:
        raise DataInvalid(f"El motivo supera los {MAX_REASON} caracteres.",
                          errors=[{"field": "motivo", "message": f"Hasta {MAX_REASON} caracteres."}])
    return reason


def _file_act(store: DocumentStore, instance: Instance, title: str, lines: list[str], actor: str) -> int:
    """Store an act as a plain-text document and file it in the case; return its folio."""
    content = ("\n".join([title.upper(), f"Expediente {instance.number}", *lines]) + "\n").encode()
    key = store.put(io.BytesIO(content))
    slug = title.lower().replace(" ", "-")
    new = NewDocument(kind="generated", title=title, filename=f"{slug}-{instance.number}.txt",
                      content_type="text/plain; charset=utf-8", size=len(content),
                      sha256=hashlib.sha256(content).hexdigest(), storage_key=key)
    return add_document(instance.id, new, actor).folio


def close(instance: Instance, actor: str, reason: str, now: datetime, store: DocumentStore, zone: str) -> CaseRecord:
    """Close a finished case: file the closing act and archive it with its procedure's retention.

    :raises Conflict: when the case has not finished or is closed already.
    :raises DataInvalid: without a reason.
    """
    why = _reason(reason)
    if instance.status not in FINISHED:
        raise Conflict("Solo se cierra un expediente finalizado.")
    if record_of(instance.id) is not None:
        raise Conflict("El expediente ya está cerrado.")
    policy = policy_of(instance.deployment.manifest)
    until = retained_until(now, policy.years)
    destiny = "destrucción" if policy.disposition == "destruir" else "transferencia al archivo histórico"
    folio = _file_act(store, instance, "Acta de cierre", [
        f"Cerrado por: {actor}", f"Fecha: {moment_text(now, zone)}", f"Motivo: {why}",
        f"Conservación: {policy.years} años, hasta el {moment_text(until, zone, False)}; luego, {destiny}."], actor)
    record = CaseRecord(instance_id=instance.id, state="archivado", closed_at=now, closed_by=actor, reason=why,
                        act_folio=folio, retention_years=policy.years, retain_until=until,
                        disposition=policy.disposition)
    db.session.add(record)
    audit.record("case_closed", actor, instance_id=instance.id,
                 data={"reason": why, "folio": folio, "retain_until": until.isoformat(),
                       "disposition": policy.disposition})
    db.session.flush()
    return record


def reopen(instance: Instance, actor: str, reason: str, now: datetime, store: DocumentStore, zone: str) -> int:
    """Reopen a closed case by an act filed in it; return the act's folio.

    :raises Conflict: when the case is not closed.
    :raises DataInvalid: without a reason.
    """
    why = _reason(reason)
    record = record_of(instance.id)
    if record is None:
        raise Conflict("El expediente no está cerrado.")
    db.session.delete(record)
    db.session.flush()
    folio = _file_act(store, instance, "Acta de reapertura",
                      [f"Reabierto por: {actor}", f"Fecha: {moment_text(now, zone)}", f"Motivo: {why}"], actor)
    audit.record("case_reopened", actor, instance_id=instance.id, data={"reason": why, "folio": folio})
    return folio


def due_for_closing(now: datetime, limit: int = 100) -> list[str]:
    """Finished real cases, still open, whose procedure closes them automatically and whose time came.

    The versions are few and read whole; the cases are many and read through their index, one
    query per version that closes automatically.
    """
    due: list[str] = []
    versions = db.session.execute(select(Deployment.id, Deployment.manifest).where(Deployment.trial.is_(False)))
    for deployment_id, manifest in versions:
        days = policy_of(manifest).auto_close_days
        if days is None or len(due) >= limit:
            continue
        due.extend(db.session.scalars(
            select(Instance.id).outerjoin(CaseRecord, CaseRecord.instance_id == Instance.id)
            .where(Instance.deployment_id == deployment_id, Instance.status.in_(FINISHED),
                   Instance.is_test.is_(False), Instance.completed_at <= now - timedelta(days=days),
                   CaseRecord.instance_id.is_(None))
            .order_by(Instance.completed_at).limit(limit - len(due))))
    return due


def close_automatically(instance_id: str, now: datetime, store: DocumentStore, zone: str) -> CaseRecord:
    """Close a finished case on its procedure's behalf (the background work's actor, ``sistema``)."""
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound("El expediente no existe.")
    days = policy_of(instance.deployment.manifest).auto_close_days
    return close(instance, audit.SYSTEM_CHAIN, f"Cierre automático: {days} días después de finalizado.",
                 now, store, zone)


def list_due(now: datetime) -> int:
    """Mark archived files whose retention ended as awaiting disposal approval; return how many."""
    due = list(db.session.scalars(select(CaseRecord).where(CaseRecord.state == "archivado",
                                                           CaseRecord.retain_until <= now)))
    for record in due:
        record.state, record.listed_at = "pendiente", now
        audit.record("case_listed_for_disposal", audit.SYSTEM_CHAIN, instance_id=record.instance_id,
                     data={"disposition": record.disposition, "retain_until": record.retain_until.isoformat()})
    db.session.flush()
    return len(due)
