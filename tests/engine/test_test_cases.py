"""Test cases of a version: own clock, suppressed notifications, no real number, deleted without a trace."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from connectors.gaf.sandbox import create_sandbox, sandbox_of
from connectors.gaf.signature import sign
from engine.background.runner import BackgroundRunner
from engine.db import db
from engine.models import AuditEvent, CaseCounter, Document, Instance, Subscription, Task
from engine.runtime import EXTENSION_KEY
from engine.settings import instance_secret
from engine.workflow import testcases
from engine.workflow.outbox import OutboxMessage
from tests.fixtures.browser import LiveServer
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.require import free_port
from tests.fixtures.timing import Clock

KEY = "prueba_reloj"
DATA = {"correo": "vecina@example.com"}
GAF_APPLICANT = {"nombre": "Ana Pérez", "dni": "30111222", "importe": "1500.00", "referencia": "PRUEBA"}


class FarSide:
    """Every connector call that really left the platform."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        return {"ok": True}


@pytest.fixture
def far_side(app: Flask) -> FarSide:
    side = FarSide()
    app.extensions[EXTENSION_KEY].connectors.invoke = side
    return side


@pytest.fixture
def deployed(api: ApiClient) -> ApiClient:
    response = api.deploy(KEY)
    assert response.status_code == 201, response.get_json()
    return api


def _start_test(api: ApiClient, data: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.post(f"/api/v1/processes/{KEY}/versions/1/test-cases", json={"data": DATA if data is None else data})
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _advance(api: ApiClient, instance_id: str, amount: Any) -> Any:
    return api.post(f"/api/v1/instances/{instance_id}/clock", json={"advance": amount})


def _count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        db.session.remove()
    return int(found)


def test_a_test_case_is_numbered_apart_and_uses_no_real_number(app: Flask, deployed: ApiClient,
                                                                clock: Clock) -> None:
    case = _start_test(deployed)
    assert case["number"].startswith("PRUEBA-") and case["number"].endswith("-PRL")
    assert case["is_test"] is True and case["clock_offset"] == 0
    assert _count(app, CaseCounter, CaseCounter.family == "PRL") == 0
    real = deployed.start(KEY, DATA).get_json()
    assert real["number"].startswith("EX-2026-000001-"), real  # the first real number is still free


def test_moving_the_clock_11_days_fires_the_10_day_timer_and_suppresses_the_notice(
        app: Flask, deployed: ApiClient, clock: Clock, far_side: FarSide) -> None:
    case = _start_test(deployed)
    detail = deployed.instance(case["id"])
    assert detail["status"] == "waiting" or detail["tasks"], detail
    assert _advance(deployed, case["id"], "P3D").get_json()["status"] != "completed"  # not due yet
    moved = _advance(deployed, case["id"], "P8D")
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["clock_offset"] == 11 * 86400
    detail = deployed.instance(case["id"])
    assert detail["status"] == "completed", detail
    assert detail["data"]["aviso"] == {"encolado": True, "suprimido": True}
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == case["id"])))
        assert [(m.operation, m.status) for m in rows] == [("notificar/email", "suppressed")]
        db.session.remove()
    clock.advance(3600)  # the background work never sends a suppressed message
    BackgroundRunner(app.app_context, app.extensions[EXTENSION_KEY].engine_context).run_once()
    assert far_side.calls == []


def test_a_moved_test_case_timer_fires_in_real_time_when_due_on_its_clock(app: Flask, deployed: ApiClient,
                                                                           clock: Clock) -> None:
    case = _start_test(deployed)
    assert _advance(deployed, case["id"], 9 * 86400).status_code == 200  # seconds work too
    detail = deployed.instance(case["id"])
    assert detail["status"] != "completed"
    due = clock.now + timedelta(days=1)  # 10 days on its clock = 1 day on the platform's
    assert detail["next_timer_at"].startswith(due.strftime("%Y-%m-%dT%H:%M")), detail["next_timer_at"]
    runner = BackgroundRunner(app.app_context, app.extensions[EXTENSION_KEY].engine_context)
    runner.run_once()
    assert deployed.instance(case["id"])["status"] != "completed"
    clock.advance(86400 + 1)
    runner.run_once()
    assert deployed.instance(case["id"])["status"] == "completed"


def test_a_real_case_refuses_clock_moves_and_deletion(deployed: ApiClient, clock: Clock) -> None:
    real = deployed.start(KEY, DATA).get_json()
    moved = _advance(deployed, real["id"], "P1D")
    assert moved.status_code == 409 and moved.mimetype == "application/problem+json"
    gone = deployed._call("delete", f"/api/v1/instances/{real['id']}")
    assert gone.status_code == 409 and "prueba" in gone.get_json()["detail"]
    assert deployed.instance(real["id"])["status"] == "running"


@pytest.mark.parametrize("amount", ["P1Y", "P1M", "tres días", "P", "PT", "-P1D", 0, -5, True, "P400D", 10**30,
                                    "P99999999999999999999D", 1.5e300, None, [], {}])
def test_a_bad_advance_is_a_422_problem(deployed: ApiClient, clock: Clock, amount: Any) -> None:
    case = _start_test(deployed)
    moved = _advance(deployed, case["id"], amount)
    assert moved.status_code == 422 and moved.mimetype == "application/problem+json", moved.get_json()


def test_the_start_form_is_checked_for_a_test_case(deployed: ApiClient) -> None:
    response = deployed.post(f"/api/v1/processes/{KEY}/versions/1/test-cases", json={"data": {}})
    assert response.status_code == 422
    assert deployed.post(f"/api/v1/processes/{KEY}/versions/9/test-cases", json={"data": DATA}).status_code == 404


def test_tokens_without_the_deploy_scope_get_403(app: Flask, deployed: ApiClient, clock: Clock,
                                                 api_with: Callable[..., ApiClient]) -> None:
    case = _start_test(deployed)
    for scope in ("read", "start", "tasks", "messages"):
        other = api_with(app, scope, name=f"sin-deploy-{scope}")
        assert other.post(f"/api/v1/processes/{KEY}/versions/1/test-cases", json={"data": DATA}).status_code == 403
        assert _advance(other, case["id"], "P1D").status_code == 403
        assert other._call("delete", f"/api/v1/instances/{case['id']}").status_code == 403
    analyst = api_with(app, "deploy", name="analista")
    assert _advance(analyst, case["id"], "PT1H").status_code == 200


def test_delete_removes_every_row_and_stored_object_and_keeps_a_verifiable_record(
        app: Flask, deployed: ApiClient, clock: Clock) -> None:
    case = _start_test(deployed)
    runtime = app.extensions[EXTENSION_KEY]
    store = runtime.documents.store
    key = store.put(io.BytesIO(b"plano de prueba, solo de este caso"))
    with app.app_context():
        db.session.add(Document(instance_id=case["id"], folio=1, kind="uploaded", title="Plano",
                                filename="plano.txt", content_type="text/plain", size=15, sha256=key,
                                storage_key=key, author="analista"))
        db.session.commit()
        db.session.remove()
    _advance(deployed, case["id"], "P11D")  # leaves a suppressed notice in the outbox
    gone = deployed._call("delete", f"/api/v1/instances/{case['id']}")
    assert gone.status_code == 204, gone.get_json()
    for model in (Instance,):
        assert _count(app, model, model.id == case["id"]) == 0
    for model in (Task, Subscription, Document, OutboxMessage):
        assert _count(app, model, model.instance_id == case["id"]) == 0
    assert not store.exists(key)
    with app.app_context():
        removed = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "test_cases_removed")).all()
        assert [e.data["numbers"] for e in removed] == [[case["number"]]]
        db.session.remove()
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert deployed.get(f"/api/v1/instances/{case['id']}").status_code == 404


def test_delete_all_of_a_version(app: Flask, deployed: ApiClient, clock: Clock) -> None:
    for _ in range(3):
        _start_test(deployed)
    real = deployed.start(KEY, DATA).get_json()
    with app.app_context():
        from engine.workflow import deployments

        numbers = testcases.delete_all(deployments.version(KEY, 1), "analista")
        db.session.commit()
        assert len(numbers) == 3
        remaining = list(db.session.scalars(select(Instance.number)))
        assert remaining == [real["number"]]
        db.session.remove()


def test_a_test_case_pays_in_its_own_sandbox_where_the_platform_talks_to_the_real_gaf(
        make_app: Callable[..., Flask], live_server: Callable[..., LiveServer]) -> None:
    """GAF_SANDBOX off and a (fake, local) real GAF: a test case's fee is liquidated and paid in the
    test cases' sandbox, its notice reaches that test case only, and a real case waiting for the
    same liquidación number stays waiting; the real GAF's notice reaches its real case only."""
    port = free_port()
    real_gaf = create_sandbox(token="token-del-gaf-real", webhook_url=f"http://127.0.0.1:{port}/hooks/gaf",
                              webhook_secret="secreto-del-gaf-real")
    real_url = live_server(real_gaf).url
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}", GAF_URL=real_url, GAF_TOKEN="token-del-gaf-real",
                   GAF_WEBHOOK_SECRET="secreto-del-gaf-real")
    assert not app.extensions[EXTENSION_KEY].settings.get("GAF_SANDBOX")
    url = live_server(app, port).url
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy("gaf_pago").status_code == 201

    def start(test: bool) -> tuple[str, dict[str, Any]]:
        if test:
            response = api.post("/api/v1/processes/pago_gaf/versions/1/test-cases", json={"data": GAF_APPLICANT})
        else:
            response = api.start("pago_gaf", GAF_APPLICANT)
        assert response.status_code == 201, response.get_json()
        case = api.instance(response.get_json()["id"])
        assert case["status"] == "waiting", case
        return case["id"], case["data"]["boleta"]

    real_case, real_slip = start(test=False)
    test_case, test_slip = start(test=True)
    # Both books are fresh: the same number, one in each; the test slip's page is the test sandbox's.
    assert test_slip["numero"] == real_slip["numero"]
    assert test_slip["url_boleta"].startswith(f"{url}/_sandbox/gaf-pruebas/boletas/")
    assert real_slip["url_boleta"].startswith(f"{real_url}/boletas/")
    assert len(real_gaf.extensions["gaf_sandbox"].ledger._state["liquidaciones"]) == 1  # never reached by the test

    paid = requests.post(f"{url}/_sandbox/gaf-pruebas/boletas/{test_slip['numero']}/pagar", allow_redirects=False,
                         timeout=10)
    assert paid.status_code == 303
    assert sandbox_of(app, "gaf_sandbox_pruebas").webhooks.wait(15), "the test sandbox's notice was not delivered"
    done = api.instance(test_case)
    assert done["status"] == "completed" and done["data"]["pago"]["numero"] == test_slip["numero"], done
    assert api.instance(real_case)["status"] == "waiting"  # same number, untouched
    received = [e["actor"] for e in api.get(f"/api/v1/instances/{test_case}/events?per_page=200").get_json()["items"]
                if e["type"] == "message_received"]
    assert received == ["webhook:gaf-pruebas"]

    # The other way round: the real GAF's notice for a number a waiting test case also holds.
    second_real, second_real_slip = start(test=False)
    second_test, second_test_slip = start(test=True)
    assert second_test_slip["numero"] == second_real_slip["numero"]
    paid = requests.post(f"{real_url}/boletas/{second_real_slip['numero']}/pagar", allow_redirects=False, timeout=10)
    assert paid.status_code == 303
    assert real_gaf.extensions["gaf_sandbox"].webhooks.wait(15), "the real GAF's notice was not delivered"
    assert api.instance(second_real)["status"] == "completed"
    assert api.instance(second_test)["status"] == "waiting"
    assert api.instance(real_case)["status"] == "waiting"


def test_the_test_sandbox_notices_are_verified_with_their_own_secret(make_app: Callable[..., Flask]) -> None:
    """A notice signed with the test sandbox's secret is refused as the real GAF's, and the other way round."""
    app = make_app(GAF_URL="http://127.0.0.1:9/gaf", GAF_TOKEN="t", GAF_WEBHOOK_SECRET="secreto-del-gaf-real")
    test_secret = instance_secret(app.extensions[EXTENSION_KEY].settings["INSTANCE_PATH"], "gaf_pruebas_webhook_secret")
    assert test_secret and test_secret != "secreto-del-gaf-real"
    body = b'{"id": "evt_1", "evento": "pago_confirmado"}'
    client = app.test_client()
    as_real = client.post("/hooks/gaf", data=body, headers={"X-GAF-Signature": sign(body, test_secret)})
    assert as_real.status_code == 400 and "firma" in as_real.get_json()["detail"]
    as_test = client.post("/hooks/pruebas/gaf", data=body,
                          headers={"X-GAF-Signature": sign(body, "secreto-del-gaf-real")})
    assert as_test.status_code == 400 and "firma" in as_test.get_json()["detail"]
    assert client.post("/hooks/pruebas/notificaciones", data=b"{}").status_code == 404


def test_the_clock_moves_by_business_days_of_the_city_calendar(app: Flask, deployed: ApiClient,
                                                               clock: Clock) -> None:
    case = _start_test(deployed)  # Monday 2 March 2026
    moved = deployed.post(f"/api/v1/instances/{case['id']}/clock", json={"business_days": 10})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["clock_offset"] == 14 * 86400  # two weekends skipped: Monday 16 March
    assert deployed.instance(case["id"])["status"] == "completed"  # the 10-day timer fired


@pytest.mark.parametrize("body", [{}, {"advance": "P1D", "business_days": 1}, {"business_days": 0},
                                  {"business_days": 251}, {"business_days": "diez"}])
def test_the_clock_takes_a_duration_or_business_days(deployed: ApiClient, clock: Clock, body: dict[str, Any]) -> None:
    case = _start_test(deployed)
    moved = deployed.post(f"/api/v1/instances/{case['id']}/clock", json=body)
    assert moved.status_code == 422 and moved.mimetype == "application/problem+json", moved.get_json()


def test_the_api_lists_leave_test_cases_out_unless_asked(deployed: ApiClient, clock: Clock) -> None:
    """Integrations reading tasks and instances see real work only, as inboxes and figures do."""
    test = _start_test(deployed)
    real = deployed.start(KEY, DATA).get_json()

    def ids(path: str) -> set[str]:
        response = deployed.get(path)
        assert response.status_code == 200, response.get_json()
        return {item.get("instance_id", item["id"]) for item in response.get_json()["items"]}

    assert ids(f"/api/v1/instances?process={KEY}") == {real["id"]}
    assert ids(f"/api/v1/instances?process={KEY}&test_cases=true") == {real["id"], test["id"]}
    assert ids(f"/api/v1/tasks?process={KEY}") == {real["id"]}
    assert ids(f"/api/v1/tasks?process={KEY}&test_cases=true") == {real["id"], test["id"]}
