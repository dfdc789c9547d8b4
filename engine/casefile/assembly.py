"""Assemble the whole case file (cover, index, timeline, PDFs) for the injected PDF renderer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.casefile import expediente
from engine.dates import moment_text
from engine.db import db
from engine.models import AuditEvent, Instance
from engine.ports import DocumentStore

RenderCaseFile = Callable[[Mapping[str, Any], Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]],
                           Mapping[int, bytes]], bytes]

STATUS_LABELS = {"running": "en trámite", "waiting": "en espera", "suspended": "suspendido", "error": "con incidente",
                 "completed": "finalizado", "terminated": "terminado"}
KIND_LABELS = {"uploaded": "presentado", "attached": "agregado por el personal", "generated": "generado",
               "signed": "firmado digitalmente"}
EVENT_LABELS = {
    "instance_started": "Inicio del expediente", "instance_completed": "Expediente finalizado",
    "instance_terminated": "Expediente terminado", "instance_suspended": "Expediente suspendido",
    "instance_resumed": "Expediente reanudado", "instance_migrated": "Pasó a una nueva versión del trámite",
    "task_created": "Tarea pendiente", "task_completed": "Tarea completada", "task_claimed": "Tarea tomada",
    "task_released": "Tarea liberada", "task_assigned": "Tarea asignada", "task_cancelled": "Tarea cancelada",
    "element_completed": "Paso cumplido", "message_received": "Aviso recibido",
    "incident_opened": "Incidente", "incident_resolved": "Incidente resuelto",
    "document_added": "Documento agregado", "certificate_issued": "Certificado emitido",
    "certificate_revoked": "Certificado revocado",
    "case_closed": "Expediente cerrado y archivado", "case_reopened": "Expediente reabierto",
    "case_listed_for_disposal": "Plazo de conservación cumplido: espera la aprobación de su disposición",
    "case_transferred": "Transferido al archivo histórico", "case_destroyed": "Expediente destruido",
    "acted_on_behalf": "Actuación en representación", "power_granted": "Poder otorgado",
    "power_revoked": "Poder revocado",
}


def case_file_pdf(instance: Instance, storage: DocumentStore, render: RenderCaseFile, timezone: str,
                  now: datetime) -> bytes:
    """The case file of ``instance`` as one PDF (the caller has checked who may see it)."""
    zone = ZoneInfo(timezone)
    documents = expediente.documents(instance.id)
    cover = {"number": instance.number, "procedure": instance.deployment.name, "applicant": instance.started_by,
             "started": _when(instance.created_at, zone), "status": STATUS_LABELS.get(instance.status, instance.status),
             "generated": _when(now, zone)}
    index = [{"folio": d.folio, "title": d.title, "kind": KIND_LABELS.get(d.kind, d.kind), "author": d.author,
              "added": _when(d.created_at, zone), "size": _size(d.size), "sha256": d.sha256} for d in documents]
    attachments = {}
    for document in documents:
        if document.content_type == "application/pdf":
            with storage.get(document.storage_key) as stream:
                attachments[document.folio] = stream.read()
    return render(cover, index, _timeline(instance.id, zone), attachments)


def _timeline(instance_id: str, zone: ZoneInfo) -> list[dict[str, str]]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                .order_by(AuditEvent.id))
    return [{"when": _when(e.at, zone), "who": e.actor, "what": _what(e)} for e in events]


def _what(event: AuditEvent) -> str:
    label = EVENT_LABELS.get(event.type, event.type)
    detail = event.data.get("name") or event.data.get("title") or event.element_id
    return f"{label}: {detail}" if detail else label


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment_text(moment, zone)


def _size(size: int) -> str:
    """``2048`` → ``"2,0 kB"``: sizes the Argentine way."""
    if size < 1024:
        return f"{size} bytes"
    amount, unit = size / 1024, "kB"
    for bigger in ("MB", "GB"):
        if amount < 1024:
            break
        amount, unit = amount / 1024, bigger
    return f"{amount:.1f} {unit}".replace(".", ",")
