"""A procedure through the REST API: deploy, start, route, validate, correct, approve."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from engine.background.jobs import run_due_work
from engine.db import db, utcnow
from engine.models import IdempotencyRecord
from engine.uow import unit_of_work
from tests.engine.test_constructs_common import with_clock
from tests.fixtures.engine import ApiClient


def _start_simple(api: ApiClient, data: dict[str, Any] | None = None) -> dict[str, Any]:
    assert api.deploy("simple").status_code == 201
    response = api.start("tramite_simple", data or {"solicitante": "María"})
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_deploy_answers_the_version_and_redeploying_unchanged_keeps_it(api: ApiClient) -> None:
    first = api.deploy("simple")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["key"] == "tramite_simple" and first.get_json()["version"] == 1
    again = api.deploy("simple")
    assert again.status_code == 200
    assert again.get_json()["version"] == 1 and again.get_json()["id"] == first.get_json()["id"]


def test_start_gives_a_case_number_and_routes_the_first_task_to_its_lane(api: ApiClient) -> None:
    started = _start_simple(api)
    assert re.fullmatch(r"EX-\d{4}-000001-SMT-TST", started["number"])
    assert started["status"] == "running"
    task = api.ready_task(started["id"], "revisar")
    assert task["candidate_group"] == "mesa_entradas"
    assert task["assignee"] is None and task["priority"] == 2
    assert task["due_at"] is not None
    detail = api.get(f"/api/v1/tasks/{task['id']}").get_json()
    assert detail["form"]["required"] == ["completo"]
    assert detail["ui_form"] == {"observaciones": {"ui:widget": "textarea"}}
    assert detail["data"]["solicitante"] == "María"


def test_invalid_task_data_is_refused_with_field_pointers_and_changes_nothing(api: ApiClient) -> None:
    started = _start_simple(api)
    task = api.ready_task(started["id"], "revisar")
    response = api.complete(task["id"], {"observaciones": 5})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    pointers = {e["pointer"] for e in problem["errors"]}
    assert pointers == {"/completo", "/observaciones"}
    assert api.ready_task(started["id"], "revisar")["id"] == task["id"]


def test_correction_goes_to_the_applicant_and_back_then_approval_completes(api: ApiClient) -> None:
    started = _start_simple(api)
    revisar = api.ready_task(started["id"], "revisar")
    assert api.complete(revisar["id"], {"completo": False, "observaciones": "Falta el DNI"}).status_code == 200
    corregir = api.ready_task(started["id"], "corregir")
    assert corregir["for_applicant"] is True and corregir["candidate_group"] is None
    assert corregir["assignee"] == "api:pruebas"  # the applicant is whoever started the case
    assert api.complete(corregir["id"], {"respuesta": "Adjunto el DNI"}).status_code == 200
    revisar2 = api.ready_task(started["id"], "revisar")
    assert revisar2["id"] != revisar["id"]
    assert api.complete(revisar2["id"], {"completo": True, "observaciones": ""}).status_code == 200
    final = api.instance(started["id"])
    assert final["status"] == "completed" and final["tasks"] == []
    assert final["data"]["aprobado"] is True and final["data"]["resultado"] == "Aprobado"
    assert final["data"]["respuesta"] == "Adjunto el DNI"


def test_completing_twice_is_a_conflict(api: ApiClient) -> None:
    started = _start_simple(api)
    task = api.ready_task(started["id"], "revisar")
    assert api.complete(task["id"], {"completo": True}).status_code == 200
    again = api.complete(task["id"], {"completo": True})
    assert again.status_code == 409
    assert again.get_json()["title"] == "Conflicto"


def test_the_audit_trail_records_who_did_what(api: ApiClient) -> None:
    started = _start_simple(api)
    task = api.ready_task(started["id"], "revisar")
    api.complete(task["id"], {"completo": True, "observaciones": ""})
    events = api.get(f"/api/v1/instances/{started['id']}/events?per_page=200").get_json()
    types = [e["type"] for e in events["items"]]
    assert types[0] == "instance_started"
    assert "task_created" in types and "task_completed" in types and types[-1] == "instance_completed"
    completed = next(e for e in events["items"] if e["type"] == "task_completed")
    assert completed["actor"] == "api:pruebas"
    assert completed["data"]["submitted"] == {"completo": True, "observaciones": ""}
    path = [e["element_id"] for e in events["items"] if e["type"] == "element_completed"]
    assert path[:1] == ["inicio"] and "aprobar" in path and path[-1] == "fin"


def test_idempotency_key_replays_the_first_start_and_refuses_a_changed_body(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    headers = {"Idempotency-Key": "pedido-42"}
    first = api.start("tramite_simple", {"a": 1}, headers=headers)
    second = api.start("tramite_simple", {"a": 1}, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json() == second.get_json()
    changed = api.start("tramite_simple", {"a": 2}, headers=headers)
    assert changed.status_code == 409
    listed = api.get("/api/v1/instances?process=tramite_simple").get_json()
    assert listed["total"] == 1


def test_a_first_answer_is_replayed_for_30_days_then_forgotten(api: ApiClient) -> None:
    """The background work forgets idempotency records after 30 days: until then a repeat answers the
    first answer, after it the same key is a new request (the records no longer grow for ever)."""
    assert api.deploy("simple").status_code == 201
    headers = {"Idempotency-Key": "pedido-43"}
    first = api.start("tramite_simple", {"a": 1}, headers=headers)
    assert first.status_code == 201
    clock = with_clock(api.app)
    clock.now = utcnow() + timedelta(days=29)
    with api.app.app_context():
        run_due_work(api.app.extensions["tramites"].engine_context(), unit_of_work)
    assert api.start("tramite_simple", {"a": 1}, headers=headers).get_json() == first.get_json()
    clock.now = utcnow() + timedelta(days=31)
    with api.app.app_context():
        run_due_work(api.app.extensions["tramites"].engine_context(), unit_of_work)
        assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    again = api.start("tramite_simple", {"a": 1}, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] != first.get_json()["id"]


def test_lists_are_paginated_and_filtered(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    for n in range(3):
        assert api.start("tramite_simple", {"n": n}, business_key=f"BK-{n}").status_code == 201
    page = api.get("/api/v1/instances?per_page=2&page=2").get_json()
    assert page["total"] == 3 and page["page"] == 2 and page["per_page"] == 2 and len(page["items"]) == 1
    by_key = api.get("/api/v1/instances?business_key=BK-1").get_json()
    assert [i["business_key"] for i in by_key["items"]] == ["BK-1"]
    tasks = api.get("/api/v1/tasks?candidate_group=mesa_entradas&sort=-created_at").get_json()
    assert tasks["total"] == 3
    by_lane = api.get("/api/v1/tasks?candidate_group=Mesa%20de%20Entradas").get_json()
    assert by_lane["total"] == 3  # the lane's name as written finds the same group
    assert api.get("/api/v1/tasks?candidate_group=otra").get_json()["total"] == 0
    bad = api.get("/api/v1/instances?status=dormido")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["pointer"] == "/status"


def test_tokens_need_the_right_scope(app: Any, api_with: Any, api: ApiClient) -> None:
    reader = api_with(app, "read", name="lector")
    assert reader.get("/api/v1/processes").status_code == 200
    refused = reader.deploy("simple")
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    anonymous = app.test_client().get("/api/v1/processes")
    assert anonymous.status_code == 401
    forged = app.test_client().get("/api/v1/processes", headers={"Authorization": "Bearer tsmt_invented"})
    assert forged.status_code == 401


def test_openapi_document_describes_the_api(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/deployments", "/api/v1/processes/{key}/instances", "/api/v1/tasks/{task_id}/complete",
                 "/api/v1/messages/{name}", "/api/v1/incidents/{incident_id}:retry"):
        assert path in doc["paths"], path


def test_unknown_ids_are_problem_documents(api: ApiClient) -> None:
    response = api.get("/api/v1/instances/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert api.get("/api/v1/no-existe").status_code == 404
    assert api.get("/api/v1/no-existe").mimetype == "application/problem+json"


def test_an_unknown_address_or_method_is_a_spanish_problem(api: ApiClient) -> None:
    unknown = api.get("/api/v1/no-existe").get_json()
    assert unknown["title"] == "No encontrado" and "openapi.json" in unknown["detail"]
    refused = api._call("delete", "/api/v1/processes")
    assert refused.status_code == 405 and "GET" in refused.headers["Allow"]
    assert refused.get_json()["title"] == "Método no permitido" and "Allow" in refused.get_json()["detail"]
