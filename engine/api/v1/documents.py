"""The case file over the API: its documents, each document's bytes, and the whole file as one PDF."""

from __future__ import annotations

from typing import Any

from engine.api.auth import requires
from engine.api.v1.edge import Blueprint
from engine.api.v1.schemas import DocumentSchema
from engine.casefile import expediente
from engine.web import downloads
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
    return downloads.document(expediente.document(instances.get(instance_id).id, document_id))


@bp.get("/instances/<instance_id>/expediente.pdf")
@requires("read")
@bp.response(200, description="The whole case file: cover, index, timeline and every PDF document.")
def case_file(instance_id: str) -> Any:
    """The case file as one PDF, made now."""
    return downloads.case_file(instances.get(instance_id))
