"""Firma conjunta end to end (both databases): a resolution two officials sign in order from their porta firma."""

from __future__ import annotations

import io

from flask import Flask
from sqlalchemy import select

from engine.casefile import expediente
from engine.db import db
from engine.models import AuditEvent
from engine.signatures import porta_firma
from engine.signatures.models import SignatureRequest
from tests.fixtures.engine import ApiClient, make_token
from tests.signatures.conftest import passphrase_of
from tests.signatures.helpers import altered, my_turns, sign, signed_in


def _start(app: Flask) -> tuple[ApiClient, dict]:
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy("firma_conjunta").status_code == 201
    started = api.start("firma_conjunta", {"titular": "Comercio Norte SRL"}).get_json()
    return api, started


def _current_pdf(app: Flask, code: str) -> bytes:
    with app.app_context():
        request = porta_firma.request_for(code)
        assert request is not None
        return porta_firma.current_pdf(request, app.extensions["tramites"].documents.store)


def test_two_officials_sign_in_order_and_the_case_continues(signatures_app: Flask) -> None:
    api, started = _start(signatures_app)
    assert api.instance(started["id"])["status"] != "completed"
    code = api.instance(started["id"])["data"]["resolucion"]["codigo"]
    assert my_turns(signatures_app, "secretaria_hacienda") == []  # not their turn yet
    [first] = my_turns(signatures_app, "direccion_comercio")
    pending = signatures_app.test_client().get(f"/verificar/{code}", headers={"Accept": "application/json"})
    assert pending.get_json()["verdict"] == "sin firmas"
    assert [s["state"] for s in pending.get_json()["certificate"]["signatures"]["signers"]] == ["esperando"] * 2

    hacienda = signed_in(signatures_app, "hacienda")
    assert hacienda.client.get(f"/bandeja/firmas/{first}/documento").status_code == 404
    assert "Resolución de habilitación" not in hacienda.client.get("/bandeja/firmas/").get_data(as_text=True)

    direccion = signed_in(signatures_app, "direccion")
    preview = direccion.client.get(f"/bandeja/firmas/{first}/documento")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    page = sign(direccion, [first], "clave-equivocada")
    assert "La clave de su credencial de firma no es correcta." in page
    assert my_turns(signatures_app, "direccion_comercio") == [first]  # nothing signed
    page = sign(direccion, [first], passphrase_of("direccion"))
    assert "Firmó 1 documento." in page and "No hay documentos esperando su firma." in page

    [second] = my_turns(signatures_app, "secretaria_hacienda")
    page = hacienda.client.get("/bandeja/firmas/").get_data(as_text=True)
    assert "Resolución de habilitación" in page and "Silvia Toledo (Directora de Comercio)" in page
    sign(hacienda, [second], passphrase_of("hacienda"))

    final = api.instance(started["id"])
    assert final["status"] == "completed", final
    assert final["data"]["firma"] == {"firmado": True}
    with signatures_app.app_context():
        request = db.session.scalar(select(SignatureRequest).where(SignatureRequest.certificate_code == code))
        assert request is not None and request.status == "firmado"
        signed = [doc for doc in expediente.documents(started["id"]) if doc.kind == "signed"]
        assert [doc.sha256 for doc in signed] == [request.sha256]
        assert expediente.certificate(code).sha256 == request.sha256
        kinds = [event.type for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == started["id"]).order_by(AuditEvent.id))]
        assert kinds.count("document_signed") == 2 and "signatures_requested" in kinds

    body = signatures_app.test_client().get(f"/verificar/{code}", headers={"Accept": "application/json"}).get_json()
    assert body["verdict"] == "auténtico"
    signers = body["certificate"]["signatures"]["signers"]
    assert [(s["name"], s["role"], s["state"]) for s in signers] == [
        ("Silvia Toledo", "Directora de Comercio", "firmado"), ("Roberto Acosta", "Secretario de Hacienda", "firmado")]


def _upload(app: Flask, pdf: bytes) -> dict:
    response = app.test_client().post("/verificar/", data={"file": (io.BytesIO(pdf), "resolucion.pdf")},
                                      headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert response.status_code == 200
    return response.get_json()


def test_an_upload_names_both_signers_and_an_edit_after_the_first_signature_shows(signatures_app: Flask) -> None:
    api, started = _start(signatures_app)
    code = api.instance(started["id"])["data"]["resolucion"]["codigo"]
    sign(signed_in(signatures_app, "direccion"), my_turns(signatures_app, "direccion_comercio"),
         passphrase_of("direccion"))
    after_first = _current_pdf(signatures_app, code)
    sign(signed_in(signatures_app, "hacienda"), my_turns(signatures_app, "secretaria_hacienda"),
         passphrase_of("hacienda"))
    genuine = _current_pdf(signatures_app, code)

    body = _upload(signatures_app, genuine)
    assert body["verdict"] == "auténtico"
    assert [(s["signer"], s["role"], s["modified"], s["recognised"]) for s in body["signers"]] == [
        ("Silvia Toledo", "Directora de Comercio", False, True),
        ("Roberto Acosta", "Secretario de Hacienda", False, True)]

    # Someone edits the resolution after the first signature, then a second signature is added on top.
    from connectors.documents.officials import Credential, countersign, official_signer  # the app's own folder

    folder = signatures_app.config["TRAMITES"]["OFFICIAL_KEYS_DIR"]
    with official_signer(Credential(folder=folder), "hacienda", passphrase_of("hacienda")) as signer:
        tampered = countersign(altered(after_first), signer, reason="Firma", field_name="Firma2").pdf
    body = _upload(signatures_app, tampered)
    assert body["verdict"] == "modificado"
    assert [(s["signer"], s["modified"]) for s in body["signers"]] == [
        ("Silvia Toledo", True), ("Roberto Acosta", False)]
    page = signatures_app.test_client().post(
        "/verificar/", data={"file": (io.BytesIO(tampered), "r.pdf")}, content_type="multipart/form-data")
    assert "el documento fue modificado después de esta firma" in page.get_data(as_text=True)


def test_a_refusal_ends_the_request_with_its_reason_and_the_case_hears_it(signatures_app: Flask) -> None:
    api, started = _start(signatures_app)
    [first] = my_turns(signatures_app, "direccion_comercio")
    direccion = signed_in(signatures_app, "direccion")
    empty = direccion.post_form(f"/bandeja/firmas/{first}/rechazar", {"motivo": " "}, token_from="/bandeja/firmas/")
    assert empty.status_code == 303 and my_turns(signatures_app, "direccion_comercio") == [first]
    refused = direccion.post_form(f"/bandeja/firmas/{first}/rechazar", {"motivo": "Falta el dictamen legal"},
                                  token_from="/bandeja/firmas/")
    assert refused.status_code == 303
    assert my_turns(signatures_app, "direccion_comercio") == [] == my_turns(signatures_app, "secretaria_hacienda")
    final = api.instance(started["id"])
    assert final["status"] == "completed", final
    assert final["data"]["firma"] == {"firmado": False, "motivo": "Falta el dictamen legal"}
    code = final["data"]["resolucion"]["codigo"]
    body = signatures_app.test_client().get(f"/verificar/{code}", headers={"Accept": "application/json"}).get_json()
    assert body["verdict"] == "firma rechazada"
    assert [s["state"] for s in body["certificate"]["signatures"]["signers"]] == ["rechazado", "esperando"]
    with signatures_app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == started["id"],
                                                              AuditEvent.type == "signature_refused"))
        assert event.actor == "direccion" and event.data["reason"] == "Falta el dictamen legal"
