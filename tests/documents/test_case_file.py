"""The case file over the API: document list, downloads with their names, and the whole file as a PDF."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import Flask
from pypdf import PdfReader

from engine.casefile import expediente
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token


def _case_with_documents(app: Flask) -> tuple[ApiClient, dict[str, Any]]:
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy("doc_certificado").status_code == 201
    started: dict[str, Any] = api.start("certificado_prueba", {"titular": "Ana Pérez"}).get_json()
    photo = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    with app.app_context():
        key = app.extensions[EXTENSION_KEY].documents.store.put(io.BytesIO(photo))
        new = expediente.NewDocument(kind="uploaded", title="Foto del local", filename="foto del local (año 1).png",
                                     content_type="image/png", size=len(photo),
                                     sha256=hashlib.sha256(photo).hexdigest(), storage_key=key)
        with unit_of_work():
            expediente.add_document(started["id"], new, "ciudadana")
    return api, started


def test_documents_are_listed_in_folio_order_and_download_with_their_names(signing_app: Flask) -> None:
    api, started = _case_with_documents(signing_app)
    listed = api.get(f"/api/v1/instances/{started['id']}/documents").get_json()
    assert [(d["folio"], d["kind"]) for d in listed] == [(1, "signed"), (2, "uploaded")]
    photo = api.get(f"/api/v1/instances/{started['id']}/documents/{listed[1]['id']}")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert hashlib.sha256(photo.get_data()).hexdigest() == listed[1]["sha256"]
    photo.close()  # a streamed file is closed with its response
    disposition = photo.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''foto%20del%20local%20%28a%C3%B1o%201%29.png" in disposition
    other = api.start("certificado_prueba", {"titular": "Otra"}).get_json()
    assert api.get(f"/api/v1/instances/{other['id']}/documents/{listed[1]['id']}").status_code == 404


def test_the_whole_case_file_is_one_pdf_with_cover_index_timeline_and_the_pdfs(signing_app: Flask) -> None:
    api, started = _case_with_documents(signing_app)
    response = api.get(f"/api/v1/instances/{started['id']}/expediente.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert f"Expediente {started['number']}" in text and "Emisión de un certificado (prueba)" in text
    assert "Índice de documentos" in text and "Foto del local" in text and "no anexado" in text
    assert "Historial" in text and "Certificado emitido" in text
    assert "Constancia de prueba" in (reader.pages[-1].extract_text() or "")  # the signed certificate, appended
