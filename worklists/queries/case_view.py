"""The staff's case view: what is reviewed (summary, documents, places), the diagram's path,
the timeline in plain Spanish, internal comments.

Comments are staff-only: they live in their own table (never in the case data the citizen
sees) and each one appends an audit event that names it without its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import audit
from engine.casefile import expediente, summary
from engine.casefile.assembly import EVENT_LABELS
from engine.casefile.summary import Line
from engine.db import db
from engine.errors import DataInvalid
from engine.models import AuditEvent, DeploymentFile, Document, Instance, Task
from forms.catalogue import humanize
from forms.display import number
from worklists.queries import lane_layout
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
    "payment_slip_issued": "Boleta de pago emitida",
    "case_rated": "La respuesta fue calificada",
}
OTHER = "Registro del sistema"
#: What a page may show inline (a PDF in a frame, a picture as an image); anything else is downloaded.
INLINE_TYPES = {"application/pdf": "pdf", "image/png": "image", "image/jpeg": "image", "image/gif": "image",
                "image/webp": "image"}
PLACE_DEPTH = 3  # how deep in the case data places are looked for


@dataclass(frozen=True)
class Moment:
    """One line of the timeline."""

    at: datetime
    actor: str
    text: str


@dataclass(frozen=True)
class Place:
    """A point of the case data ({lat, lon}, as the forms' map widget writes it, or a GeoJSON point)."""

    label: str
    lat: float
    lon: float

    @property
    def lat_text(self) -> str:
        return number(self.lat)  # es-AR: a decimal comma

    @property
    def lon_text(self) -> str:
        return number(self.lon)


@dataclass(frozen=True)
class Overview:
    """What staff review of a case, the same on the task page and the case view.

    ``declared`` and ``data`` are the summary's lines (:mod:`engine.casefile.summary`) without
    the lines of the places, which ``places`` shows on a map; ``views`` tells how each
    document is shown (``pdf``, ``image`` or ``other``: a link).
    """

    declared: list[Line] | None
    data: list[Line]
    documents: list[Document]
    views: dict[str, str]
    places: list[Place]


def overview(instance: Instance, zone: str) -> Overview:
    """The case's summary for staff, its documents and its places."""
    places = places_of(instance)
    labels = {place.label for place in places}

    def without_places(lines: list[Line]) -> list[Line]:
        return [line for line in lines if line.label not in labels and line.group not in labels]

    declared = summary.for_staff(instance, zone)
    documents = expediente.documents(instance.id)
    return Overview(None if declared is None else without_places(declared),
                    without_places(summary.every_line(instance, zone)), documents,
                    {d.id: INLINE_TYPES.get(d.content_type, "other") for d in documents}, places)


def places_of(instance: Instance) -> list[Place]:
    """The points in the case data, labelled as the summary labels their field."""
    fields = summary.fields_of(instance.deployment)
    found = []
    for path, lat, lon in _points(instance.data or {}, ""):
        info = fields.get(path)
        found.append(Place(info.title if info else humanize(path.rsplit(".", 1)[-1]), lat, lon))
    return found


def _points(data: Mapping[str, Any], prefix: str, depth: int = 0) -> Iterator[tuple[str, float, float]]:
    for key, value in data.items():
        if not isinstance(value, Mapping):
            continue
        path = f"{prefix}{key}"
        point = point_of(value)
        if point is not None:
            yield path, *point
        elif depth + 1 < PLACE_DEPTH:
            yield from _points(value, path + ".", depth + 1)


def point_of(value: Mapping[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) of ``{lat, lon}`` (nothing else in it) or of a GeoJSON point; else ``None``."""
    if value.keys() == {"lat", "lon"}:
        lat, lon = value["lat"], value["lon"]
    elif value.get("type") == "Point" and isinstance(value.get("coordinates"), list | tuple) \
            and len(value["coordinates"]) == 2:
        lon, lat = value["coordinates"]
    else:
        return None
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
    return (float(lat), float(lon)) if numbers and abs(lat) <= 90 and abs(lon) <= 180 else None


def diagram_xml(instance: Instance) -> str | None:
    """The BPMN XML (from the deployed bundle) that holds the case's process, laid out (with its lanes) when
    it has no DI."""
    files = db.session.scalars(select(DeploymentFile).where(DeploymentFile.deployment_id == instance.deployment_id,
                                                            DeploymentFile.name.like("%.bpmn")))
    wanted = re.compile(r'<(?:\w+:)?process\b[^>]*\bid="' + re.escape(instance.process_key) + '"')
    fallback = None
    for file in files:
        text = file.content.decode("utf-8", errors="replace")
        if wanted.search(text):
            return lane_layout.with_lanes(text, instance.process_key)
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
    if event.type == "payment_slip_issued":
        detail = data.get("numero")
    if event.type == "case_rated":
        detail = f"{data.get('score')} de 5"
    if event.type == "acted_on_behalf":  # «X en representación de Y», as the citizen's history says it
        detail = f"{data.get('representante_nombre')} en representación de {data.get('representado_nombre')}"
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
