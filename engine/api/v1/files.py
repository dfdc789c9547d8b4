"""Files an integration sends before the start or the completion whose data refers to them."""

from __future__ import annotations

from typing import Any

from flask import request

from engine.api.auth import requires
from engine.api.v1.edge import Blueprint, runtime
from engine.api.v1.schemas import FileReferenceSchema
from engine.errors import DataInvalid, Unavailable

bp = Blueprint("api_files", __name__, url_prefix="/api/v1", description="Archivos para el expediente")


@bp.post("/files")
@requires("start", "tasks")
@bp.response(201, FileReferenceSchema)
@bp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}})
def upload() -> Any:
    """Store one file (part ``file``), checked as a person's upload: type by content (PDF, JPEG, PNG),
    size, antivirus. The answer is the reference a file field of a start's or a completion's data
    holds; the file joins the case file with that start or completion. Send that within the hour:
    a file no case, draft or certificate refers to is deleted by the sweep of the document store."""
    part = request.files.get("file")
    if part is None or not part.filename:
        raise DataInvalid("Envíe el archivo en una parte «file» de multipart/form-data.",
                          errors=[{"pointer": "/file", "message": "Falta el archivo."}])
    receive = runtime().documents.receive_upload
    if receive is None:
        raise Unavailable("Esta instalación no recibe archivos por la API.")
    try:
        return receive(part.stream, part.filename)
    finally:
        part.close()
