"""Service task failures: retries with backoff, incidents, operator retries, nothing half-done."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pytest
from flask import Flask
from SpiffWorkflow.util.task import TaskState

from connectors.base import JSON, Connector, ConnectorContext, TemporaryError, operation
from connectors.testing import EchoConnector
from engine.background.runner import BackgroundRunner
from engine.db import db
from engine.models import Instance
from engine.workflow.spiff import ScriptEngine, state_from_dict
from tests.fixtures.engine import ApiClient
from tests.fixtures.timing import T0, Clock


class SwitchConnector(Connector):
    """A padrón whose availability the test switches."""

    name = "interruptor"
    down: ClassVar[bool] = True

    @operation(params={"type": "object", "required": ["cuit"], "properties": {"cuit": {"type": "string"}}},
               result={"type": "object", "required": ["inscripto"]})
    def consultar(self, params: JSON, context: ConnectorContext) -> JSON:
        """Consultar la inscripción."""
        if SwitchConnector.down:
            raise TemporaryError("El padrón no responde")
        return {"inscripto": True, "cuit": params["cuit"]}


@pytest.fixture
def connectors(app: Flask) -> Iterator[None]:
    registry = app.extensions["tramites"].connectors
    registry.register(EchoConnector)
    registry.register(SwitchConnector)
    SwitchConnector.down = True
    yield
    SwitchConnector.down = True


def _background_work(app: Flask) -> int:
    runtime = app.extensions["tramites"]
    return BackgroundRunner(app.app_context, runtime.engine_context).run_once()


def _started(api: ApiClient, key: str, data: dict[str, Any]) -> dict[str, Any]:
    deployed = api.deploy(key)
    assert deployed.status_code == 201, deployed.get_json()
    response = api.start(key, data)
    assert response.status_code == 201, response.get_json()
    return api.instance(response.get_json()["id"])


def _incident(api: ApiClient, instance_id: str) -> dict[str, Any]:
    incidents = api.instance(instance_id)["incidents"]
    assert len(incidents) == 1, incidents
    found: dict[str, Any] = incidents[0]
    return found


def _events(api: ApiClient, instance_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get(f"/api/v1/instances/{instance_id}/events?per_page=100").get_json()["items"]
    return items


def _stored(app: Flask, instance_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored workflow of an instance and the state of each of its elements."""
    with app.app_context():
        instance = db.session.get(Instance, instance_id)
        assert instance is not None
        workflow = state_from_dict(instance.state, instance.deployment_id, instance.deployment.spec, ScriptEngine())
        states = {t.task_spec.bpmn_id: TaskState.get_name(t.state) for t in workflow.get_tasks()
                  if getattr(t.task_spec, "bpmn_id", None)}
        state = instance.state
        db.session.remove()
    return state, states


@pytest.mark.usefixtures("connectors")
def test_a_temporary_failure_is_retried_with_backoff_then_an_operator_retry_succeeds(
        app: Flask, api: ApiClient, clock: Clock) -> None:
    detail = _started(api, "svc_veces", {"clave": str(uuid.uuid4()), "veces": 3})
    assert detail["status"] == "error"
    incident = _incident(api, detail["id"])
    assert (incident["element_id"], incident["kind"], incident["status"]) == ("llamar", "service", "retrying")
    assert incident["attempts"] == 1 and "Falla temporal 1 de 3" in incident["message"]
    assert datetime.fromisoformat(incident["next_retry_at"]) == T0 + timedelta(seconds=10)

    clock.advance(9)
    assert _background_work(app) == 0  # not due yet
    clock.advance(1)
    assert _background_work(app) == 1
    incident = _incident(api, detail["id"])
    assert incident["attempts"] == 2 and incident["status"] == "retrying"
    assert datetime.fromisoformat(incident["next_retry_at"]) == clock.now + timedelta(seconds=20)  # doubled

    clock.advance(20)
    assert _background_work(app) == 1
    incident = _incident(api, detail["id"])
    assert incident["attempts"] == 3 and incident["status"] == "open"  # retries="2": the last try failed
    assert incident["next_retry_at"] is None
    clock.advance(3600)
    assert _background_work(app) == 0  # an open incident waits for an operator

    listed = api.get("/api/v1/incidents").get_json()
    assert [i["id"] for i in listed["items"]] == [incident["id"]]
    retried = api.post(f"/api/v1/incidents/{incident['id']}:retry")
    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["status"] == "resolved"
    after = api.instance(detail["id"])
    assert after["status"] == "running" and after["incidents"] == []
    assert [t["element_id"] for t in after["tasks"]] == ["revisar"]
    assert after["data"]["respuesta"] == {"intentos": 4} and after["data"]["antes"] == "hecho"
    assert api.get("/api/v1/incidents").get_json()["total"] == 0
    types = [e["type"] for e in _events(api, detail["id"])]
    assert types.count("incident_opened") == 1 and types.count("incident_failed_again") == 2
    assert types.count("incident_retried") == 3 and types.count("incident_resolved") == 1
    assert api.post(f"/api/v1/incidents/{incident['id']}:retry").status_code == 409


@pytest.mark.usefixtures("connectors")
def test_a_failed_retry_changes_nothing_and_a_retry_after_the_fix_continues(
        app: Flask, api: ApiClient, clock: Clock) -> None:
    detail = _started(api, "svc_interruptor", {"cuit": "20-12345678-9"})
    task = api.ready_task(detail["id"], "revisar")
    assert api.complete(task["id"], {"visto": True}).status_code == 200
    incident = _incident(api, detail["id"])
    assert incident["status"] == "open" and incident["attempts"] == 1  # retries="0": no automatic retry
    assert incident["element_id"] == "consultar" and "El padrón no responde" in incident["message"]
    state_before, elements = _stored(app, detail["id"])
    assert elements["consultar"] == "ERROR" and elements.get("archivar") != "READY"

    again = api.post(f"/api/v1/incidents/{incident['id']}:retry")  # still down
    assert again.status_code == 200 and again.get_json()["attempts"] == 2
    assert again.get_json()["status"] == "open"
    assert _stored(app, detail["id"])[0] == state_before  # the stored workflow is exactly as it was

    SwitchConnector.down = False
    fixed = api.post(f"/api/v1/incidents/{incident['id']}:retry")
    assert fixed.status_code == 200 and fixed.get_json()["status"] == "resolved"
    after = api.instance(detail["id"])
    assert after["status"] == "running"
    assert after["data"]["padron"] == {"inscripto": True, "cuit": "20-12345678-9"}
    assert [t["element_id"] for t in after["tasks"]] == ["archivar"]


@pytest.mark.usefixtures("connectors")
def test_a_permanent_failure_is_an_incident_at_once_and_never_retried_alone(
        app: Flask, api: ApiClient, clock: Clock) -> None:
    detail = _started(api, "svc_fallar", {"tipo": "permanente", "mensaje": "CUIT inexistente"})
    incident = _incident(api, detail["id"])
    assert (incident["status"], incident["attempts"], incident["next_retry_at"]) == ("open", 1, None)
    assert incident["kind"] == "service" and "CUIT inexistente" in incident["message"]
    clock.advance(86_400)
    assert _background_work(app) == 0
    assert _incident(api, detail["id"])["attempts"] == 1


@pytest.mark.usefixtures("connectors")
def test_an_exception_inside_a_service_task_keeps_what_ran_before_and_nothing_after(
        app: Flask, api: ApiClient, clock: Clock) -> None:
    detail = _started(api, "svc_fallar", {"tipo": "error", "mensaje": "fallo interno del conector"})
    assert detail["status"] == "error"
    incident = _incident(api, detail["id"])
    assert incident["status"] == "open" and incident["element_id"] == "llamar"
    assert detail["data"]["antes"] == "hecho"
    assert "respuesta" not in detail["data"] and "despues" not in detail["data"]
    _, elements = _stored(app, detail["id"])
    assert elements["llamar"] == "ERROR"  # settled history ("antes") left the tree; the audit trail has it
    assert elements.get("despues") != "COMPLETED" and elements.get("fin") != "COMPLETED"
    completed = {e["element_id"] for e in _events(api, detail["id"]) if e["type"] == "element_completed"}
    assert "antes" in completed and not completed & {"llamar", "despues", "fin"}
    assert {"incident_opened", "instance_failed"} <= {e["type"] for e in _events(api, detail["id"])}


@pytest.mark.usefixtures("connectors")
def test_a_suspended_instance_is_not_retried(app: Flask, api: ApiClient, clock: Clock) -> None:
    detail = _started(api, "svc_veces", {"clave": str(uuid.uuid4()), "veces": 1})
    incident = _incident(api, detail["id"])
    assert api.post(f"/api/v1/instances/{detail['id']}:suspend").status_code == 200
    clock.advance(3600)
    assert _background_work(app) == 0
    refused = api.post(f"/api/v1/incidents/{incident['id']}:retry")
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
