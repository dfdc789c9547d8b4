"""Starting a procedure from the portal: the form, files with and without JavaScript, refusals, drafts."""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, Document, Instance
from tests.fixtures.identity import Web, password_of
from tests.portal.helpers import KEY, PDF, deploy, post_start, start_case, upload


def test_the_guide_offers_to_start_and_anonymous_people_sign_in_first(identity_app: Flask) -> None:
    deploy(identity_app)
    client = identity_app.test_client()
    assert f'href="/iniciar/{KEY}"' in client.get(f"/guia/{KEY}").get_data(as_text=True)
    response = client.get(f"/iniciar/{KEY}")
    assert response.status_code == 302 and response.headers["Location"] == f"/ingresar?siguiente=/iniciar/{KEY}"


def test_a_citizen_starts_a_case_with_a_file_and_it_joins_the_expediente(citizen: Web, identity_app: Flask) -> None:
    page = citizen.client.get(f"/iniciar/{KEY}").get_data(as_text=True)
    assert 'name="$/constancia"' in page and "Guardar borrador" in page and "uploads.js" in page
    number = start_case(citizen)
    with identity_app.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.number == number))
        assert instance is not None and instance.started_by == "ciudadana" and instance.data["nombre"] == "Ana Pérez"
        docs = db.session.scalars(select(Document).where(Document.instance_id == instance.id)).all()
        assert [(d.kind, d.author, d.filename, d.size) for d in docs] == [("uploaded", "ciudadana", "constancia.pdf",
                                                                           len(PDF))]


def test_field_errors_are_shown_next_to_the_fields_with_the_data_kept(citizen: Web) -> None:
    response = post_start(citizen, {"$/nombre": "Jo", "$/motivo": "Quiero abrir un local"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Traceback" not in html
    assert 'aria-invalid="true"' in html and "Quiero abrir un local" in html and 'value="Jo"' in html


def test_a_file_uploaded_with_progress_is_kept_by_reference(citizen: Web, identity_app: Flask) -> None:
    answer = upload(citizen)
    assert answer.status_code == 201, answer.get_json()
    ref = answer.get_json()["referencia"]
    assert ref["name"] == "constancia.pdf" and ref["content_type"] == "application/pdf" and ref["size"] == len(PDF)
    response = post_start(citizen, {"$/nombre": "Ana Pérez", "$/motivo": "Necesito el permiso",
                                    "!f/constancia": json.dumps(ref)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with identity_app.app_context():
        assert db.session.scalar(select(Document.sha256)) == ref["sha256"]


def test_a_reference_to_a_file_the_person_did_not_upload_is_refused(citizen: Web) -> None:
    forged = {"key": "b" * 64, "name": "ajeno.pdf", "content_type": "application/pdf", "size": 10, "sha256": "b" * 64}
    response = post_start(citizen, {"$/nombre": "Ana Pérez", "$/motivo": "Necesito el permiso",
                                    "!f/constancia": json.dumps(forged)})
    assert response.status_code == 422 and "Vuelva a subir este archivo" in response.get_data(as_text=True)


@pytest.mark.parametrize(("content", "name", "status", "reason", "message"), [
    (b"MZ\x90\x00 not a document at all", "virus.pdf", 415, "type_not_allowed", "no está permitido"),
    (b"", "vacio.pdf", 400, "empty", "está vacío"),
])
def test_refused_uploads_say_why_in_spanish_and_leave_an_audit_event(
        citizen: Web, identity_app: Flask, content: bytes, name: str, status: int, reason: str, message: str) -> None:
    answer = upload(citizen, content, name)
    assert answer.status_code == status and message in answer.get_json()["error"]
    with identity_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.type == "upload_refused"))
        assert event is not None and event.actor == "ciudadana" and event.instance_id is None
        assert event.data["reason"] == reason and event.data["name"] == name


def test_a_file_over_the_limit_is_refused_while_streaming(secure_app: object, identity_app: Flask) -> None:
    deploy(identity_app)
    identity_app.extensions["tramites"].settings["MAX_UPLOAD_MB"] = 1
    web = Web(identity_app.test_client())
    web.sign_in("ciudadana", password_of("ciudadana"))
    answer = upload(web, PDF + b"0" * (1024 * 1024 + 10), "grande.pdf")
    assert answer.status_code == 413 and "supera el tamaño máximo de 1 MB" in answer.get_json()["error"]
    with identity_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.type == "upload_refused"))
        assert event is not None and event.data["reason"] == "too_large" and event.data["name"] == "grande.pdf"


def test_without_javascript_a_refused_file_is_reported_next_to_its_field(citizen: Web, identity_app: Flask) -> None:
    response = post_start(citizen, {"$/nombre": "Ana Pérez", "$/motivo": "Necesito el permiso",
                                    "$/constancia": (io.BytesIO(b"#!/bin/sh\necho hola\n"), "script.pdf")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "no está permitido" in html and "Ana Pérez" in html
    assert 'id="campo-constancia--error"' in html
    with identity_app.app_context():
        reason = db.session.scalar(select(AuditEvent.data).where(AuditEvent.type == "upload_refused"))
        assert reason is not None and reason["reason"] == "type_not_allowed"


def test_a_draft_is_saved_listed_resumed_and_gone_after_submitting(citizen: Web, identity_app: Flask) -> None:
    ref = upload(citizen).get_json()["referencia"]
    saved = post_start(citizen, {"$/nombre": "Ana", "$/motivo": "", "!f/constancia": json.dumps(ref)}, "guardar")
    assert saved.status_code == 302 and saved.headers["Location"] == f"/borradores?guardado={KEY}"
    listing = citizen.client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Guardamos su borrador" in listing and "Solicitud de prueba del portal" in listing
    resumed = citizen.client.get(f"/iniciar/{KEY}").get_data(as_text=True)
    assert "Retomó su borrador" in resumed and 'value="Ana"' in resumed and "constancia.pdf" in resumed
    response = post_start(citizen, {"$/nombre": "Ana Pérez", "$/motivo": "Necesito el permiso",
                                    "!f/constancia": json.dumps(ref)})
    assert response.status_code == 302
    assert "No tiene borradores" in citizen.client.get("/borradores").get_data(as_text=True)


def test_discarding_a_draft_forgets_it(citizen: Web) -> None:
    assert post_start(citizen, {"$/nombre": "Ana"}, "guardar").status_code == 302
    page = citizen.client.get("/borradores").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    gone = citizen.client.post("/borradores/descartar", data={"csrf_token": token.group(1), "tramite": KEY})
    assert gone.status_code == 302
    assert "No tiene borradores" in citizen.client.get("/borradores").get_data(as_text=True)
    assert "Retomó su borrador" not in citizen.client.get(f"/iniciar/{KEY}").get_data(as_text=True)
    again = citizen.client.post("/borradores/descartar", data={"csrf_token": token.group(1), "tramite": KEY})
    assert again.status_code == 404


def test_a_draft_whose_file_is_refused_says_why_instead_of_saving(citizen: Web) -> None:
    response = post_start(citizen, {"$/nombre": "Ana", "$/constancia": (io.BytesIO(b"GIF89a no"), "foto.pdf")},
                          "guardar")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "no está permitido" in html and 'value="Ana"' in html
    assert "campo-motivo--error" not in html  # only the file's problem: a draft is not validated
    assert "No tiene borradores" in citizen.client.get("/borradores").get_data(as_text=True)
