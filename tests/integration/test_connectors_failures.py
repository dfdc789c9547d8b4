"""Connector failures through the engine: GAF down is retried with backoff, then becomes an incident.

GAF is the embedded sandbox over real HTTP; ``POST /_sandbox/gaf/sandbox/fallas`` makes its
next answers 503, as a GAF under maintenance would. The engine's clock is moved by the test
so the backoff is exact; the background runner is the one ``tramites serve`` runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
import requests
from flask import Flask

from connectors.base import JSON, Connector, ConnectorContext, TemporaryError, operation
from connectors.gaf.sandbox import sandbox_of
from engine.background.runner import BackgroundRunner
from tests.fixtures.browser import LiveServer
from tests.fixtures.engine import GAF_SANDBOX, ApiClient, make_token
from tests.fixtures.require import free_port

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CASE = {"nombre": "Ana Pérez", "dni": "30111222", "importe": "1500.00", "referencia": "EX-2026-000007-SMT-CXF"}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _background_work(app: Flask) -> int:
    runtime = app.extensions["tramites"]
    return BackgroundRunner(app.app_context, runtime.engine_context).run_once()


def _incident(api: ApiClient, instance_id: str) -> dict[str, Any]:
    (found,) = api.instance(instance_id)["incidents"]
    return dict(found)


def test_gaf_down_is_retried_then_becomes_an_incident_that_staff_retry(
        make_app: Callable[..., Flask], live_server: Callable[..., LiveServer]) -> None:
    port = free_port()
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}", **GAF_SANDBOX)
    url = live_server(app, port).url
    clock = Clock()
    app.extensions["tramites"].clock = clock
    api = ApiClient(app, make_token(app, "fallas", "admin"))
    token = sandbox_of(app).token
    faults = requests.post(f"{url}/_sandbox/gaf/sandbox/fallas", json={"estado": 503, "veces": 2},
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert faults.status_code == 200, faults.text
    assert api.deploy("cx_falla_gaf").status_code == 201
    started = api.start("cx_falla_gaf", CASE).get_json()

    incident = _incident(api, started["id"])
    assert api.instance(started["id"])["status"] == "error"
    assert (incident["element_id"], incident["kind"], incident["status"]) == ("liquidar", "service", "retrying")
    assert "GAF no está disponible (503)" in incident["message"] and incident["attempts"] == 1
    assert datetime.fromisoformat(incident["next_retry_at"]) == T0 + timedelta(seconds=10)

    clock.now += timedelta(seconds=10)
    assert _background_work(app) == 1  # the automatic retry ran, and GAF failed again
    incident = _incident(api, started["id"])
    assert (incident["status"], incident["attempts"], incident["next_retry_at"]) == ("open", 2, None)
    clock.now += timedelta(hours=2)
    assert _background_work(app) == 0  # an open incident waits for staff

    retried = api.post(f"/api/v1/incidents/{incident['id']}:retry")
    assert retried.status_code == 200 and retried.get_json()["status"] == "resolved"
    done = api.instance(started["id"])
    assert done["status"] == "completed" and done["incidents"] == []
    slip = done["data"]["boleta"]
    assert slip["estado"] == "pendiente" and slip["importe"] == "1500.00"
    # Three calls, one liquidación: the failed ones created nothing, and the key is stable.
    assert sandbox_of(app).ledger.slip(slip["numero"])["referencia"] == CASE["referencia"]


class CashierConnector(Connector):
    """A payment that must not be repeated automatically, failing as if the answer were lost."""

    name = "caja"
    calls: ClassVar[int] = 0

    @operation(params={"type": "object", "required": ["importe"], "properties": {"importe": {"type": "string"}}},
               result={"type": "object"}, retry_safe=False)
    def cobrar(self, params: JSON, context: ConnectorContext) -> JSON:
        """Cobrar un importe."""
        CashierConnector.calls += 1
        raise TemporaryError("La caja no respondió")


@pytest.fixture
def cashier(app: Flask) -> None:
    CashierConnector.calls = 0
    app.extensions["tramites"].connectors.register(CashierConnector)


@pytest.mark.usefixtures("cashier")
def test_an_operation_unsafe_to_repeat_opens_an_incident_at_once(app: Flask, api: ApiClient,
                                                                 tmp_path: Any) -> None:
    bundle = tmp_path / "cobro"
    bundle.mkdir()
    (bundle / "cobro.bpmn").write_text(COBRO_BPMN, encoding="utf-8")
    assert api.deploy(bundle).status_code == 201
    started = api.start("cobro", {}).get_json()
    incident = _incident(api, started["id"])
    assert (incident["status"], incident["attempts"], incident["next_retry_at"]) == ("open", 1, None)
    assert "La caja no respondió" in incident["message"] and "no se reintentó automáticamente" in incident["message"]
    app.extensions["tramites"].clock = lambda: datetime.now(UTC) + timedelta(days=1)
    assert _background_work(app) == 0 and CashierConnector.calls == 1


COBRO_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Defs_cobro" targetNamespace="http://tramites.smt/tests">
  <bpmn:process id="cobro" isExecutable="true">
    <bpmn:startEvent id="inicio"/>
    <bpmn:sequenceFlow id="f1" sourceRef="inicio" targetRef="cobrar"/>
    <bpmn:serviceTask id="cobrar" name="Cobrar">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="caja/cobrar" resultVariable="cobro">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="importe" type="str" value="'100.00'"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="cobrar" targetRef="fin"/>
    <bpmn:endEvent id="fin"/>
  </bpmn:process>
</bpmn:definitions>
"""
