"""The staff's case view: the diagram's path, the timeline in plain Spanish, internal comments.

Comments are staff-only: they live in their own table (never in the case data the citizen
sees) and each one appends an audit event that names it without its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine import audit
from engine.casefile.assembly import EVENT_LABELS
from engine.db import db
from engine.errors import DataInvalid
from engine.models import AuditEvent, DeploymentFile, Instance, Task
from forms.catalogue import humanize
from worklists.queries import layout
from worklists.queries.models import CaseComment

PATH_EVENTS = ("element_completed", "task_completed")
MAX_COMMENT = 4000
LABELS = {
    **EVENT_LABELS,
    "instance_failed": "El expediente quedó con un incidente",
    "incident_retried": "Se reintentó un paso fallido",
    "incident_failed_again": "El paso volvió a fallar",
    "timers_checked": "Se revisaron los plazos",
    "comment_added": "Comentario interno",
    "upload_refused": "Archivo rechazado",
    "clock_paused": "El plazo se detuvo mientras espera a quien inició el trámite",
    "clock_resumed": "El plazo volvió a correr",
    "message_dropped": "Aviso descartado",
    "notification_failed": "No se pudo enviar un aviso",
    "reclamo_received": "Reclamo recibido",
}
OTHER = "Registro del sistema"


@dataclass(frozen=True)
class Moment:
    """One line of the timeline."""

    at: datetime
    actor: str
    text: str


def diagram_xml(instance: Instance) -> str | None:
    """The BPMN XML (from the deployed bundle) that holds the case's process, laid out when it has no DI."""
    files = db.session.scalars(select(DeploymentFile).where(DeploymentFile.deployment_id == instance.deployment_id,
                                                            DeploymentFile.name.like("%.bpmn")))
    wanted = re.compile(r'<(?:\w+:)?process\b[^>]*\bid="' + re.escape(instance.process_key) + '"')
    fallback = None
    for file in files:
        text = file.content.decode("utf-8", errors="replace")
        if wanted.search(text):
            return layout.with_layout(text, instance.process_key)
        fallback = fallback or text
    return fallback


def path_taken(instance_id: str) -> list[str]:
    """Element ids the case has passed through, in first-passage order.

    :param instance_id: the case.
    :return: BPMN element ids of completed elements and tasks (audit events).
    """
    rows = db.session.scalars(select(AuditEvent.element_id).where(AuditEvent.instance_id == instance_id,
                                                                  AuditEvent.type.in_(PATH_EVENTS),
                                                                  AuditEvent.element_id.is_not(None))
                              .order_by(AuditEvent.id))
    return list(dict.fromkeys(r for r in rows if r))


def current_elements(instance_id: str) -> list[str]:
    """Element ids of the case's open tasks: where it stands now."""
    return list(dict.fromkeys(db.session.scalars(
        select(Task.element_id).where(Task.instance_id == instance_id, Task.status == "ready")
        .order_by(Task.created_at))))


def timeline(instance_id: str) -> list[Moment]:
    """The audit trail as sentences, oldest first (automatic bookkeeping left out)."""
    events = audit.timeline(instance_id)
    rows = db.session.execute(select(Task.id, Task.name).where(Task.instance_id == instance_id))
    names = {str(task_id): str(name) for task_id, name in rows}
    return [Moment(e.at, e.actor, _sentence(e, names)) for e in events if e.type != "timers_checked"]


def _sentence(event: AuditEvent, task_names: dict[str, str]) -> str:
    label = LABELS.get(event.type, OTHER)
    data = event.data or {}
    detail = data.get("name") or data.get("title") or data.get("message") or task_names.get(event.task_id or "")
    if event.type == "task_assigned":
        detail = f"a {data.get('after')}"
    if event.type == "document_added":
        detail = f"folio {data.get('folio')}: {data.get('title')}"
    if detail is None and event.element_id and event.type != "comment_added":
        detail = humanize(event.element_id)  # an element the BPMN left unnamed: its id in words
    if label is OTHER:
        detail = event.type
    return f"{label}: {detail}" if detail else label


def comments(instance_id: str) -> list[CaseComment]:
    """The case's internal comments, oldest first."""
    return list(db.session.scalars(select(CaseComment).where(CaseComment.instance_id == instance_id)
                                   .order_by(CaseComment.created_at, CaseComment.id)))


def add_comment(instance_id: str, author: str, body: str, now: datetime) -> CaseComment:
    """Add an internal comment (flushes, never commits).

    :raises DataInvalid: for an empty or too long text (pointer ``/texto``).
    """
    text = (body or "").strip()
    if not text:
        raise DataInvalid("Escriba el comentario.", errors=[{"pointer": "/texto", "message": "Escriba el comentario."}])
    if len(text) > MAX_COMMENT:
        message = f"El comentario admite hasta {MAX_COMMENT} caracteres."
        raise DataInvalid(message, errors=[{"pointer": "/texto", "message": message}])
    comment = CaseComment(instance_id=instance_id, author=author, body=text, created_at=now)
    db.session.add(comment)
    db.session.flush()
    audit.record("comment_added", author, instance_id=instance_id, data={"comment_id": comment.id})
    return comment
