"""Public verification: a certificate issued through the connector, checked by code and by file.

The certificate is rendered, signed with a development PKCS#12 and stored exactly as a
service task would do it (``documentos/emitir_certificado`` through the injected
``call_connector``), then registered in the expediente.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from engine.casefile import expediente
from engine.db import utcnow
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work

JSON = {"Accept": "application/json"}


def _issue(app: Flask) -> tuple[dict[str, Any], bytes]:
    runtime = app.extensions[EXTENSION_KEY]
    params = {"plantilla": "plataforma", "titulo": "Certificado de prueba", "datos": {"titular": "Ana Pérez"}}
    with app.app_context():
        result = runtime.connectors.invoke("documentos/emitir_certificado", params,
                                        {"case_number": "EX-2026-000007-SMT-TST", "public_url": "http://x"})
        with unit_of_work():
            expediente.register_certificate(None, result, "tests")
        with runtime.documents.store.get(result["clave"]) as stream:
            pdf = stream.read()
    return result, pdf


def _post(app: Flask, pdf: bytes, headers: dict[str, str] | None = None) -> Any:
    return app.test_client().post("/verificar/", data={"file": (io.BytesIO(pdf), "cert.pdf")},
                                  content_type="multipart/form-data", headers=headers or JSON)


def test_the_qr_code_page_says_authentic_and_what_it_certifies(signing_app: Flask) -> None:
    result, _ = _issue(signing_app)
    client = signing_app.test_client()
    page = client.get(f"/verificar/{result['codigo']}")
    assert page.status_code == 200 and "auténtico" in page.get_data(as_text=True)
    body = client.get(f"/verificar/{result['codigo'].lower().replace('-', '')}", headers=JSON).get_json()
    assert body["verdict"] == "auténtico" and body["certificate"]["title"] == "Certificado de prueba"
    assert body["certificate"]["case_number"] == "EX-2026-000007-SMT-TST"
    unknown = client.get("/verificar/AAAA-BBBB-CCCC-DDDD", headers=JSON)
    assert unknown.status_code == 404 and unknown.get_json()["verdict"] == "no emitido"


def test_an_uploaded_pdf_is_authentic_modified_or_not_issued(signing_app: Flask) -> None:
    _, pdf = _issue(signing_app)
    assert _post(signing_app, pdf).get_json()["verdict"] == "auténtico"
    flipped = bytearray(pdf)
    flipped[len(pdf) // 3] ^= 0x01
    assert _post(signing_app, bytes(flipped)).get_json()["verdict"] == "modificado"
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.set_info(generic.DictionaryObject({pdf_name("/Title"): generic.TextStringObject("falso")}))
    appended = io.BytesIO()
    writer.write(appended)
    assert _post(signing_app, appended.getvalue()).get_json()["verdict"] == "modificado"
    assert _post(signing_app, b"%PDF-1.4 no es un certificado").get_json()["verdict"] == "no emitido"
    html = _post(signing_app, pdf, headers={"Accept": "text/html"})
    assert html.status_code == 200 and "auténtico" in html.get_data(as_text=True)


def test_a_revoked_certificate_says_so(signing_app: Flask) -> None:
    result, pdf = _issue(signing_app)
    with signing_app.app_context(), unit_of_work():
        expediente.revoke(result["codigo"], "Datos erróneos", "admin", utcnow())
    body = signing_app.test_client().get(f"/verificar/{result['codigo']}", headers=JSON).get_json()
    assert body["verdict"] == "revocado" and body["certificate"]["revoked_reason"] == "Datos erróneos"
    assert _post(signing_app, pdf).get_json()["verdict"] == "revocado"


def test_an_empty_or_missing_upload_is_a_clear_error(signing_app: Flask) -> None:
    client = signing_app.test_client()
    missing = client.post("/verificar/", data={}, content_type="multipart/form-data", headers=JSON)
    assert missing.status_code == 400 and "file" in missing.get_json()["error"]
    assert _post(signing_app, b"").status_code == 400
