"""A service task issues a certificate: it joins the case file and anyone can verify it."""

from __future__ import annotations

from flask import Flask

from engine.casefile import expediente
from tests.fixtures.engine import ApiClient, make_token


def test_a_certificate_issued_by_a_process_is_filed_and_verifiable(signing_app: Flask) -> None:
    api = ApiClient(signing_app, make_token(signing_app, "pruebas", "admin"))
    assert api.deploy("doc_certificado").status_code == 201
    started = api.start("certificado_prueba", {"titular": "Ana Pérez"}).get_json()
    final = api.instance(started["id"])
    assert final["status"] == "completed", final
    code = final["data"]["certificado"]["codigo"]
    with signing_app.app_context():
        [signed] = expediente.documents(started["id"])
        assert (signed.kind, signed.folio, signed.title) == ("signed", 1, "Constancia de prueba")
        certificate = expediente.certificate(code)
        assert certificate is not None and certificate.case_number == started["number"]
    body = signing_app.test_client().get(f"/verificar/{code}", headers={"Accept": "application/json"}).get_json()
    assert body["verdict"] == "auténtico" and body["certificate"]["case_number"] == started["number"]
