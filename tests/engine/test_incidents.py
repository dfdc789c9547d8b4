"""Analysts' script errors through the REST API: an incident on the instance, never a 500 or a hung worker."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from flask import Flask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, func, select, update

from engine import sandbox
from engine.audit import AuditImmutable
from engine.db import db
from engine.models import AuditEvent, Instance
from engine.uow import unit_of_work
from engine.workflow.spiff import ScriptEngine, state_from_dict
from tests.fixtures.engine import BUNDLES, ApiClient

DEFAULT_SCRIPT = "parcial = 1\nwhile True:\n    pass"

# (script, the words the incident's message must contain); every one is refused or stopped at run time.
RUNTIME_FAILURES = [
    pytest.param(DEFAULT_SCRIPT, "operaciones", id="endless-loop"),
    pytest.param("parcial = 1\nx = 'x' * 10**10", "el máximo es", id="huge-string"),
    pytest.param("parcial = 1\nx = [0] * 10**9", "el máximo es", id="huge-list"),
    pytest.param("parcial = 1\nx = 2 ** (10**9)", "demasiado grande", id="huge-int"),
    pytest.param("parcial = 1\nx = getattr((), '__cla' + 'ss__')", "no permitido", id="dunder-by-getattr"),
    pytest.param("parcial = 1\ndef f(n):\n    return f(n + 1)\nf(0)", "RecursionError", id="recursion"),
    pytest.param("parcial = 1\nx = 1 / 0", "ZeroDivisionError", id="zero-division"),
]
# Refused when deploying; the run-time guard is proven by deploying them past that check.
COMPILE_REFUSED = [
    pytest.param("parcial = 1\nx = ().__class__.__base__.__subclasses__()", "no permitido", id="subclasses"),
    pytest.param("parcial = 1\nimport os", "import no permitido", id="import"),
    pytest.param("parcial = 1\nopen('/etc/passwd').read()", "'open' no permitido", id="open"),
    pytest.param("parcial = 1\n__import__('socket')", "no permitido", id="dunder-import"),
    pytest.param("parcial = 1\nexec('import os')", "'exec' no permitido", id="exec"),
]


def _bundle_with_script(tmp_path: Path, name: str, script: str) -> Path:
    """Copy bundle ``name`` with the analyst's script of element ``guion`` replaced."""
    target = tmp_path / name
    shutil.copytree(BUNDLES / name, target)
    bpmn = target / f"{name}.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    assert DEFAULT_SCRIPT in text
    bpmn.write_text(text.replace(DEFAULT_SCRIPT, escape(script)), encoding="utf-8")
    return target


def _deploy(api: ApiClient, folder: Path | str) -> None:
    response = api.deploy(folder)
    assert response.status_code == 201, response.get_json()


def _assert_incident(api: ApiClient, instance_id: str, element_id: str, words: str) -> dict[str, Any]:
    detail = api.instance(instance_id)
    assert detail["status"] == "error"
    assert len(detail["incidents"]) == 1, detail["incidents"]
    incident: dict[str, Any] = detail["incidents"][0]
    assert incident["element_id"] == element_id
    assert incident["kind"] == "script" and incident["status"] == "open"
    assert words in incident["message"], incident["message"]
    return incident


@pytest.mark.parametrize(("script", "words"), RUNTIME_FAILURES)
def test_a_failing_script_at_start_becomes_an_incident_within_seconds(
        api: ApiClient, tmp_path: Path, script: str, words: str) -> None:
    _deploy(api, _bundle_with_script(tmp_path, "inc_script", script))
    began = time.monotonic()
    response = api.start("inc_script")
    elapsed = time.monotonic() - began
    assert response.status_code == 201, response.get_json()
    assert elapsed < 5
    assert response.get_json()["status"] == "error"
    _assert_incident(api, response.get_json()["id"], "guion", words)


@pytest.mark.parametrize(("script", "words"), COMPILE_REFUSED)
def test_forbidden_code_is_refused_at_deployment_naming_the_element(
        api: ApiClient, tmp_path: Path, script: str, words: str) -> None:
    response = api.deploy(_bundle_with_script(tmp_path, "inc_script", script))
    assert response.status_code == 422
    problems = response.get_json()["errors"]
    assert any(p.get("element") == "guion" and words in p["message"] for p in problems), problems


@pytest.mark.parametrize(("script", "words"), COMPILE_REFUSED)
def test_forbidden_code_that_slipped_past_deployment_is_still_refused_at_run_time(
        api: ApiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, words: str) -> None:
    # As a deployment made before a rule existed: the interpreter refuses it again when it runs.
    monkeypatch.setattr(sandbox, "check_compiles", lambda source, mode="exec": [])
    _deploy(api, _bundle_with_script(tmp_path, "inc_script", script))
    response = api.start("inc_script")
    assert response.status_code == 201, response.get_json()
    _assert_incident(api, response.get_json()["id"], "guion", words)


def test_a_failing_script_after_a_completed_task_answers_200_and_keeps_the_completion(
        api: ApiClient, tmp_path: Path) -> None:
    _deploy(api, _bundle_with_script(tmp_path, "inc_after_task", "parcial = 1\nx = 'x' * 10**10"))
    started = api.start("inc_after_task").get_json()
    task = api.ready_task(started["id"], "revisar")
    began = time.monotonic()
    response = api.complete(task["id"], {"visto": True})
    assert time.monotonic() - began < 5
    assert response.status_code == 200, response.get_json()
    _assert_incident(api, started["id"], "guion", "el máximo es")
    detail = api.instance(started["id"])
    assert detail["tasks"] == []
    assert detail["data"]["visto"] is True and "parcial" not in detail["data"]
    assert api.complete(task["id"], {"visto": True}).status_code == 409


def test_a_failed_script_leaves_its_task_data_as_it_was_before_it_ran(
        app: Flask, api: ApiClient, tmp_path: Path) -> None:
    script = "lista.append(99)\nparcial = 1\nx = 1 / 0"
    _deploy(api, _bundle_with_script(tmp_path, "inc_after_task", script))
    instance_id = api.start("inc_after_task").get_json()["id"]
    task = api.ready_task(instance_id, "revisar")
    assert api.complete(task["id"], {"lista": [1]}).status_code == 200
    with app.app_context():
        instance = db.session.get(Instance, instance_id)
        assert instance is not None
        workflow = state_from_dict(instance.state, instance.deployment_id, instance.deployment.spec, ScriptEngine())
        failed = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "guion"]
        db.session.remove()
    assert len(failed) == 1 and failed[0].has_state(TaskState.ERROR)
    assert failed[0].data["lista"] == [1] and "parcial" not in failed[0].data


def test_a_failing_condition_becomes_an_incident_on_its_gateway(api: ApiClient) -> None:
    _deploy(api, "inc_condition")
    began = time.monotonic()
    response = api.start("inc_condition")
    assert time.monotonic() - began < 5
    assert response.status_code == 201, response.get_json()
    _assert_incident(api, response.get_json()["id"], "decidir", "el máximo es")


def test_a_script_incident_keeps_the_state_before_the_failed_script(api: ApiClient, tmp_path: Path) -> None:
    _deploy(api, _bundle_with_script(tmp_path, "inc_script", "parcial = 1\nx = 1 / 0"))
    instance_id = api.start("inc_script").get_json()["id"]
    detail = api.instance(instance_id)
    assert detail["data"].get("antes") == "hecho"  # the script before it ran and was kept
    assert "parcial" not in detail["data"] and "x" not in detail["data"]  # nothing half-done
    events = [e["type"] for e in api.get(f"/api/v1/instances/{instance_id}/events").get_json()["items"]]
    assert "incident_opened" in events


def test_incidents_are_listed_and_a_script_incident_retried_unchanged_fails_again(
        api: ApiClient, tmp_path: Path) -> None:
    _deploy(api, _bundle_with_script(tmp_path, "inc_script", "parcial = 1\nx = 1 / 0"))
    instance_id = api.start("inc_script").get_json()["id"]
    listed = api.get("/api/v1/incidents").get_json()
    assert listed["total"] == 1 and listed["items"][0]["instance_id"] == instance_id
    incident_id = listed["items"][0]["id"]
    retried = api.post(f"/api/v1/incidents/{incident_id}:retry")
    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["status"] == "open" and retried.get_json()["attempts"] == 2
    detail = api.instance(instance_id)
    assert detail["status"] == "error" and len(detail["incidents"]) == 1
    assert "parcial" not in detail["data"]


def test_retrying_an_unknown_incident_is_404(api: ApiClient) -> None:
    response = api.post("/api/v1/incidents/00000000-0000-0000-0000-000000000000:retry")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


# --- the audit trail ----------------------------------------------------------------------------


def test_each_state_change_of_a_failing_instance_appends_an_event(api: ApiClient, tmp_path: Path) -> None:
    _deploy(api, _bundle_with_script(tmp_path, "inc_script", "parcial = 1\nx = 1 / 0"))
    instance_id = api.start("inc_script").get_json()["id"]
    incident_id = api.get("/api/v1/incidents").get_json()["items"][0]["id"]
    assert api.post(f"/api/v1/incidents/{incident_id}:retry").status_code == 200
    events = api.get(f"/api/v1/instances/{instance_id}/events?per_page=100").get_json()["items"]
    types = [e["type"] for e in events]
    assert types[0] == "instance_started"
    for expected in ("element_completed", "incident_opened", "instance_failed", "incident_retried",
                     "incident_failed_again"):
        assert expected in types, types
    assert types.index("incident_opened") < types.index("incident_retried") < types.index("incident_failed_again")
    retried = events[types.index("incident_retried")]
    assert retried["actor"] == "api:pruebas" and retried["element_id"] == "guion"
    failed = events[types.index("incident_opened")]
    assert failed["data"]["message"].startswith("ZeroDivisionError")


@pytest.fixture
def audit_event(app: Flask, api: ApiClient) -> int:
    """The id of an ``instance_started`` event."""
    assert api.deploy("inc_condition").status_code == 201
    assert api.start("inc_condition").status_code == 201
    with app.app_context():
        found = db.session.scalar(select(AuditEvent.id).where(AuditEvent.type == "instance_started"))
        db.session.remove()
    assert found is not None
    return found


CHANGES = {
    "orm-update": lambda event_id: setattr(db.session.get(AuditEvent, event_id), "type", "otro"),
    "orm-delete": lambda event_id: db.session.delete(db.session.get(AuditEvent, event_id)),
    "bulk-update": lambda event_id: db.session.execute(
        update(AuditEvent).where(AuditEvent.id == event_id).values(type="otro")),
    "bulk-delete": lambda event_id: db.session.execute(delete(AuditEvent).where(AuditEvent.id == event_id)),
    "table-update": lambda event_id: db.session.execute(
        update(AuditEvent.__table__).where(AuditEvent.__table__.c.id == event_id).values(actor="x")),
    "table-delete": lambda event_id: db.session.execute(delete(AuditEvent.__table__)),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_application_refuses_to_change_or_delete_audit_events(
        app: Flask, audit_event: int, change: Callable[[int], object]) -> None:
    with app.app_context():
        with pytest.raises(AuditImmutable):
            with unit_of_work():
                change(audit_event)
        db.session.remove()
        kept = db.session.get(AuditEvent, audit_event)
        assert kept is not None and (kept.type, kept.actor) == ("instance_started", "api:pruebas")
        assert (db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0) > 1
        db.session.remove()
