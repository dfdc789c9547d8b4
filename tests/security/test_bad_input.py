"""Bad input is the sender's fault (4xx) or a dependency's (503), never a generic 500 (issue #16, low).

Each test sends what the review sent and wants a problem document back.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from engine.casefile import expediente
from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.engine import BUNDLES, ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.fixtures.require import free_port

HUGE_PAGE = "99999999999999999999"


def _problem(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == response.status_code and body["detail"]
    return body


def _case(api: ApiClient) -> str:
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "Ana"})
    assert started.status_code == 201, started.get_json()
    return str(started.get_json()["id"])


@pytest.mark.parametrize("path", ["/api/v1/incidents", "/api/v1/instances", "/api/v1/instances/{id}/events"])
def test_a_page_number_beyond_any_integer_is_refused(api: ApiClient, path: str) -> None:
    case_id = _case(api) if "{id}" in path else ""
    response = api.get(path.format(id=case_id) + f"?page={HUGE_PAGE}")
    body = _problem(response, 422)
    assert any(e["pointer"] == "/page" for e in body["errors"])


def test_data_nested_900_levels_deep_is_refused(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    deep = "[" * 900 + "]" * 900
    response = api.post("/api/v1/processes/tramite_simple/instances", content_type="application/json",
                        data='{"data": {"solicitante": "Ana", "anidado": ' + deep + "}}")
    body = _problem(response, 422)
    assert "anidad" in body["detail"] + str(body.get("errors"))


def test_an_integer_of_5001_digits_is_refused(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    response = api.post("/api/v1/processes/tramite_simple/instances", content_type="application/json",
                        data='{"data": {"solicitante": "Ana", "monto": 1' + "0" * 5000 + "}}")
    _problem(response, 400, 422)


def _lying_zip() -> bytes:
    """A bundle zip whose central directory declares its manifest shorter than it is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted((BUNDLES / "simple").iterdir()):
            archive.writestr(path.name, path.read_bytes())
    raw = bytearray(buffer.getvalue())
    central = raw.find(b"PK\x01\x02")
    # central directory entry: compressed size at +20, uncompressed size at +24
    struct.pack_into("<II", raw, central + 20, 10, 10)
    return bytes(raw)


def test_a_zip_whose_header_lies_about_its_sizes_is_refused(api: ApiClient) -> None:
    response = api.post("/api/v1/deployments", content_type="multipart/form-data",
                        data={"files": [(io.BytesIO(_lying_zip()), "paquete.zip")]})
    body = _problem(response, 422)
    assert ".zip" in body["detail"]


def test_documents_while_the_storage_is_down_are_a_503(make_app: Callable[..., Flask]) -> None:
    app = make_app(STORAGE_URL=f"s3://clave:secreto@127.0.0.1:{free_port()}/expedientes")
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    case_id = _case(api)
    digest = hashlib.sha256(b"dni").hexdigest()
    with app.app_context():
        with unit_of_work():
            document = expediente.add_document(case_id, expediente.NewDocument(
                kind="uploaded", title="DNI", filename="dni.pdf", content_type="application/pdf", size=3,
                sha256=digest, storage_key=digest), "ciudadana")
            document_id = document.id
    response = api.get(f"/api/v1/instances/{case_id}/documents/{document_id}")
    body = _problem(response, 503)
    assert "almacenamiento" in body["detail"]



def test_a_portal_document_while_the_storage_is_down_is_a_spanish_503(secure_app: Callable[..., Flask]) -> None:
    app = secure_app(STORAGE_URL=f"s3://clave:secreto@127.0.0.1:{free_port()}/expedientes")
    with app.app_context(), unit_of_work():
        ensure_user("admin", display_name="Admin", password=password_of("admin"), roles=("admin",))
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    case_id = _case(api)
    digest = hashlib.sha256(b"dni").hexdigest()
    with app.app_context(), unit_of_work():
        document_id = expediente.add_document(case_id, expediente.NewDocument(
            kind="uploaded", title="DNI", filename="dni.pdf", content_type="application/pdf", size=3,
            sha256=digest, storage_key=digest), "ciudadana").id
    number = api.get(f"/api/v1/instances/{case_id}").get_json()["number"]
    web = Web(app.test_client())
    web.sign_in("admin", password_of("admin"))
    response = web.client.get(f"/mis-tramites/{number}/documentos/{document_id}")
    assert response.status_code == 503 and "almacenamiento" in response.get_data(as_text=True)
