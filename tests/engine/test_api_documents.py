"""Files sent with a start or a task completion over the REST API join the case file, as the
web forms' uploads do: the API's case documents (with their SHA-256), the staff case view, the
audit trail. A reference to a file the platform does not hold is refused, never filed."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import Flask

from storage.uploads import receive
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of, with_role_users
from tests.portal.helpers import BUNDLE as PORTAL_BUNDLE
from tests.portal.helpers import KEY as PORTAL_KEY
from tests.portal.helpers import PDF, start_case
from tests.worklists.helpers import KEY as REVISION_KEY
from tests.worklists.helpers import staffed, text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
#: A start form's file is titled by its field's title in the form, whichever way it came in.
CONSTANCIA = "Constancia (PDF o imagen): constancia.pdf"


def _stored(app: Flask, name: str, content: bytes) -> dict[str, Any]:
    """A file stored as the fronts store it, and the reference a file field holds."""
    with app.app_context():
        stored = receive(app.extensions["tramites"].documents.store, io.BytesIO(content), max_bytes=1024 * 1024,
                         display_name=name)
    return {"key": stored.key, "name": stored.display_name, "content_type": stored.content_type,
            "size": stored.size, "sha256": stored.sha256}


def _documents(api: ApiClient, instance_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/instances/{instance_id}/documents")
    assert response.status_code == 200, response.get_json()
    documents: list[dict[str, Any]] = response.get_json()
    return documents


def _events(api: ApiClient, instance_id: str, kind: str) -> list[dict[str, Any]]:
    items = api.get(f"/api/v1/instances/{instance_id}/events?per_page=200").get_json()["items"]
    return [e for e in items if e["type"] == kind]


def test_a_file_sent_with_a_task_completion_joins_the_case_file(identity_app: Flask) -> None:
    staff = staffed(identity_app)
    started = staff.api.start(REVISION_KEY, {"solicitante": "Ana"}).get_json()
    task = staff.api.ready_task(started["id"], "revisar")
    informe = _stored(identity_app, "informe.png", PNG)
    done = staff.api.complete(task["id"], {"completo": True, "informe": informe})
    assert done.status_code == 200, done.get_json()

    [document] = _documents(staff.api, started["id"])
    assert (document["kind"], document["title"], document["filename"], document["author"]) == (
        "attached", "informe.png", "informe.png", "api:pruebas")
    assert document["sha256"] == hashlib.sha256(PNG).hexdigest() and document["size"] == len(PNG)
    download = staff.api.get(f"/api/v1/instances/{started['id']}/documents/{document['id']}")
    content = download.data
    download.close()
    assert download.status_code == 200 and content == PNG
    [added] = _events(staff.api, started["id"], "document_added")
    assert added["data"]["sha256"] == document["sha256"] and added["task_id"] == task["id"]
    mesa = Web(identity_app.test_client())
    mesa.sign_in("mesa", password_of("mesa"))
    assert "informe.png" in text_of(mesa.client.get(f"/bandeja/expedientes/{started['number']}"))


def test_the_citizen_sees_a_file_an_integration_sent_to_their_case(identity_app: Flask) -> None:
    api = ApiClient(identity_app, make_token(identity_app, "mesa-bot", "tasks", "read"))
    assert ApiClient(identity_app, make_token(identity_app, "despliegue", "deploy")).deploy(
        PORTAL_BUNDLE).status_code == 201
    citizen = Web(identity_app.test_client())
    citizen.sign_in("ciudadana", password_of("ciudadana"))
    number = start_case(citizen)
    [case] = api.get(f"/api/v1/instances?process={PORTAL_KEY}").get_json()["items"]
    informe = _stored(identity_app, "informe.png", PNG)
    done = api.complete(api.ready_task(case["id"], "revisar")["id"], {"completo": True, "informe": informe})
    assert done.status_code == 200, done.get_json()
    assert [d["title"] for d in _documents(api, case["id"])] == [CONSTANCIA, "informe.png"]
    assert "informe.png" in text_of(citizen.client.get(f"/mis-tramites/{number}"))


def test_a_file_sent_with_a_start_joins_the_case_file_before_its_first_step(app: Flask, api: ApiClient) -> None:
    assert api.deploy(PORTAL_BUNDLE).status_code == 201
    constancia = _stored(app, "constancia.pdf", PDF)
    started = api.start(PORTAL_KEY, {"nombre": "Ana Pérez", "motivo": "Necesito el permiso",
                                     "constancia": constancia})
    assert started.status_code == 201, started.get_json()
    [document] = _documents(api, started.get_json()["id"])
    assert (document["kind"], document["title"], document["folio"]) == ("uploaded", CONSTANCIA, 1)
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert len(_events(api, started.get_json()["id"], "document_added")) == 1


def test_a_file_the_case_has_already_is_not_filed_twice(identity_app: Flask) -> None:
    """An integration that sends a task's data back with the case's documents in it adds none."""
    staff = staffed(identity_app)
    started = staff.api.start(REVISION_KEY, {"solicitante": "Ana"}).get_json()
    informe = _stored(identity_app, "informe.png", PNG)
    first = staff.api.complete(staff.api.ready_task(started["id"], "revisar")["id"], {"completo": False,
                                                                                   "informe": informe})
    assert first.status_code == 200, first.get_json()
    correction = staff.api.ready_task(started["id"], "corregir")
    again = staff.api.complete(correction["id"], {"respuesta": "Listo", "informe": informe})
    assert again.status_code == 200, again.get_json()
    assert len(_documents(staff.api, started["id"])) == 1


def test_a_reference_to_a_file_the_platform_does_not_hold_is_refused(identity_app: Flask) -> None:
    staff = staffed(identity_app)
    started = staff.api.start(REVISION_KEY, {"solicitante": "Ana"}).get_json()
    task = staff.api.ready_task(started["id"], "revisar")
    digest = hashlib.sha256(b"nunca subido").hexdigest()
    missing = {"key": digest, "name": "informe.pdf", "content_type": "application/pdf", "size": 12, "sha256": digest}
    stored = _stored(identity_app, "informe.png", PNG)
    for wrong in (missing, {**stored, "size": stored["size"] + 1}):
        refused = staff.api.complete(task["id"], {"completo": True, "informe": wrong})
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
        assert [e["pointer"] for e in refused.get_json()["errors"]] == ["/informe"]
    assert _documents(staff.api, started["id"]) == []
    assert staff.api.ready_task(started["id"], "revisar")["id"] == task["id"]


def test_the_openapi_document_says_how_files_join_the_case_file(app: Flask) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("StartArgs", "CompleteArgs"):
        described = spec[name]["properties"]["data"]["description"]
        assert "se agrega al expediente" in described and "422" in described


def test_an_integration_uploads_a_file_and_starts_a_case_with_it(app: Flask, api: ApiClient,
                                                                  api_with: Any) -> None:
    assert api.deploy(PORTAL_BUNDLE).status_code == 201
    starter = api_with(app, "start", name="ventanilla")
    sent = starter.post("/api/v1/files", data={"file": (io.BytesIO(PDF), "constancia.pdf")},
                        content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_json()
    reference = sent.get_json()
    assert reference == {"key": hashlib.sha256(PDF).hexdigest(), "name": "constancia.pdf",
                         "content_type": "application/pdf", "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
    started = starter.start(PORTAL_KEY, {"nombre": "Ana Pérez", "motivo": "Necesito el permiso",
                                         "constancia": reference})
    assert started.status_code == 201, started.get_json()
    [document] = _documents(api, started.get_json()["id"])
    assert (document["title"], document["sha256"], document["author"]) == (
        CONSTANCIA, reference["sha256"], "api:ventanilla")


def test_a_file_the_platform_would_not_take_from_a_person_is_refused_over_the_api(app: Flask,
                                                                                 api_with: Any) -> None:
    tasks = api_with(app, "tasks")
    refused = tasks.post("/api/v1/files", data={"file": (io.BytesIO(b"MZ\x90\x00 ejecutable"), "informe.pdf")},
                         content_type="multipart/form-data")
    assert refused.status_code == 415 and refused.mimetype == "application/problem+json"
    assert "no está permitido" in refused.get_json()["detail"]
    empty = tasks.post("/api/v1/files", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["pointer"] == "/file"
    reader = api_with(app, "read", name="lector")
    assert reader.post("/api/v1/files", data={"file": (io.BytesIO(PDF), "a.pdf")},
                       content_type="multipart/form-data").status_code == 403


def test_files_sent_over_the_api_count_against_what_a_case_may_hold(secure_app: Any) -> None:
    """``MAX_CASE_MB`` bounds a case's documents however they come: a start or a completion whose
    files would take the case past it is refused at the file that does not fit, and files nothing."""
    app = with_role_users(secure_app(MAX_CASE_MB=1))
    staff = staffed(app)
    big = _stored(app, "plano.png", PNG + b"\x00" * 700 * 1024)
    other = _stored(app, "anexo.png", PNG + b"\x01" * 700 * 1024)
    started = staff.api.start(REVISION_KEY, {"solicitante": "Ana"}).get_json()
    task = staff.api.ready_task(started["id"], "revisar")
    refused = staff.api.complete(task["id"], {"completo": True, "informe": big, "anexo": other})
    assert refused.status_code == 422, refused.get_json()
    [error] = refused.get_json()["errors"]
    assert error["pointer"] in {"/anexo", "/informe"} and "hasta 1 MB" in error["message"]  # the one past it
    assert _documents(staff.api, started["id"]) == []
    done = staff.api.complete(task["id"], {"completo": False, "informe": big})
    assert done.status_code == 200, done.get_json()
    correction = staff.api.ready_task(started["id"], "corregir")
    full = staff.api.complete(correction["id"], {"respuesta": "Va el anexo", "anexo": other})
    assert full.status_code == 422 and full.get_json()["errors"][0]["pointer"] == "/anexo"
    assert [d["filename"] for d in _documents(staff.api, started["id"])] == ["plano.png"]

    assert staff.api.deploy(PORTAL_BUNDLE).status_code == 201
    too_much = staff.api.start(PORTAL_KEY, {"nombre": "Ana Pérez", "motivo": "Permiso", "constancia": big,
                                            "anexo": other})
    assert too_much.status_code == 422, too_much.get_json()
    assert [e["pointer"] for e in too_much.get_json()["errors"]] in (["/anexo"], ["/constancia"])
    assert staff.api.get(f"/api/v1/instances?process={PORTAL_KEY}").get_json()["total"] == 0
