"""The case file over the API: its documents, each document's bytes, and the whole file as one PDF."""

from __future__ import annotations

import io
from typing import Any

from flask import send_file
from flask_smorest import Blueprint

from engine.api.auth import requires
from engine.api.v1.edge import runtime
from engine.api.v1.schemas import DocumentSchema
from engine.casefile import assembly, expediente
from engine.errors import NotFound
from engine.workflow import instances

bp = Blueprint("api_documents", __name__, url_prefix="/api/v1", description="Expediente: documentos")


@bp.get("/instances/<instance_id>/documents")
@requires("read")
@bp.response(200, DocumentSchema(many=True))
def list_documents(instance_id: str) -> Any:
    """The case's documents in folio order, each with its SHA-256."""
    return expediente.documents(instances.get(instance_id).id)


@bp.get("/instances/<instance_id>/documents/<document_id>")
@requires("read")
@bp.response(200, description="The document's bytes, with its name in Content-Disposition (RFC 6266).")
def download(instance_id: str, document_id: str) -> Any:
    """One document of the case (another case's document is not found)."""
    document = expediente.document(instances.get(instance_id).id, document_id)
    storage = runtime().storage
    if not storage.exists(document.storage_key):
        raise NotFound("El contenido del documento no está en el almacenamiento.")
    return send_file(storage.get(document.storage_key), mimetype=document.content_type, as_attachment=True,
                     download_name=document.filename, etag=document.sha256, max_age=0)


@bp.get("/instances/<instance_id>/expediente.pdf")
@requires("read")
@bp.response(200, description="The whole case file: cover, index, timeline and every PDF document.")
def case_file(instance_id: str) -> Any:
    """The case file as one PDF, made now."""
    instance = instances.get(instance_id)
    rt = runtime()
    if rt.render_case_file is None:
        raise NotFound("Este servidor no genera el expediente en PDF.")
    pdf = assembly.case_file_pdf(instance, rt.storage, rt.render_case_file, rt.settings["TIMEZONE"], rt.clock())
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"expediente-{instance.number}.pdf", max_age=0)
