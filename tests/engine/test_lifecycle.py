"""Instance lifecycle over the API: suspend, resume, terminate, and migration between versions."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.fixtures.engine import BUNDLES, ApiClient

SEAL = """    <bpmn:sequenceFlow id="f4" sourceRef="aprobar" targetRef="sellar"/>
    <bpmn:scriptTask id="sellar" name="Sellar"><bpmn:script>sello = "v2"</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f5" sourceRef="sellar" targetRef="fin"/>"""


def _variant(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    folder = tmp_path / name
    shutil.copytree(BUNDLES / "simple", folder)
    bpmn = folder / "tramite_simple.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    bpmn.write_text(text, encoding="utf-8")
    return folder


def _started(api: ApiClient) -> dict[str, Any]:
    assert api.deploy("simple").status_code == 201
    body: dict[str, Any] = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    return body


def test_suspended_instances_refuse_work_until_resumed(api: ApiClient) -> None:
    started = _started(api)
    task = api.ready_task(started["id"], "revisar")
    suspended = api.post(f"/api/v1/instances/{started['id']}:suspend")
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    refused = api.complete(task["id"], {"completo": True, "observaciones": ""})
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert api.post(f"/api/v1/instances/{started['id']}:suspend").status_code == 409
    resumed = api.post(f"/api/v1/instances/{started['id']}:resume")
    assert resumed.status_code == 200 and resumed.get_json()["status"] == "running"
    assert api.complete(task["id"], {"completo": True, "observaciones": ""}).status_code == 200
    assert api.instance(started["id"])["status"] == "completed"


def test_terminate_cancels_the_open_tasks_and_keeps_the_reason(api: ApiClient) -> None:
    started = _started(api)
    task = api.ready_task(started["id"], "revisar")
    ended = api.post(f"/api/v1/instances/{started['id']}:terminate", json={"reason": "Desistimiento"})
    assert ended.status_code == 200 and ended.get_json()["status"] == "terminated"
    assert api.instance(started["id"])["tasks"] == []
    assert api.complete(task["id"], {"completo": True}).status_code in (404, 409)
    events = api.get(f"/api/v1/instances/{started['id']}/events?per_page=200").get_json()["items"]
    terminated = next(e for e in events if e["type"] == "instance_terminated")
    assert terminated["data"]["reason"] == "Desistimiento"
    assert any(e["type"] == "task_cancelled" and e["task_id"] == task["id"] for e in events)
    assert api.post(f"/api/v1/instances/{started['id']}:terminate", json={}).status_code == 409


def test_a_waiting_instance_migrates_to_version_2_and_completes_there(api: ApiClient, tmp_path: Path) -> None:
    started = _started(api)
    v2 = api.deploy(_variant(tmp_path, "v2", ('    <bpmn:sequenceFlow id="f4" sourceRef="aprobar" targetRef="fin"/>',
                                              SEAL)))
    assert v2.status_code == 201 and v2.get_json()["version"] == 2
    assert api.instance(started["id"])["version"] == 1  # running instances stay on their version

    moved = api.post(f"/api/v1/instances/{started['id']}:migrate", json={"version": 2})

    assert moved.status_code == 200, moved.get_json()
    assert api.instance(started["id"])["version"] == 2
    task = api.ready_task(started["id"], "revisar")
    assert api.complete(task["id"], {"completo": True, "observaciones": ""}).status_code == 200
    final = api.instance(started["id"])
    assert final["status"] == "completed" and final["data"]["sello"] == "v2"
    events = api.get(f"/api/v1/instances/{started['id']}/events?per_page=200").get_json()["items"]
    migrated = next(e for e in events if e["type"] == "instance_migrated")
    assert migrated["data"] == {"before": 1, "after": 2}


def test_migration_is_refused_when_the_waiting_task_has_no_counterpart(api: ApiClient, tmp_path: Path) -> None:
    started = _started(api)
    renamed = _variant(tmp_path, "renamed", ('id="revisar"', 'id="revisar_legajo"'),
                       ('targetRef="revisar"', 'targetRef="revisar_legajo"'),
                       ('sourceRef="revisar"', 'sourceRef="revisar_legajo"'))
    assert api.deploy(renamed).get_json()["version"] == 2

    refused = api.post(f"/api/v1/instances/{started['id']}:migrate", json={"version": 2})

    assert refused.status_code == 409
    problem = refused.get_json()
    assert any("revisar" in e["message"] for e in problem["errors"]), problem
    assert api.instance(started["id"])["version"] == 1
    task = api.ready_task(started["id"], "revisar")
    assert api.complete(task["id"], {"completo": True, "observaciones": ""}).status_code == 200


def test_migration_to_an_unknown_version_is_not_found(api: ApiClient) -> None:
    started = _started(api)
    response = api.post(f"/api/v1/instances/{started['id']}:migrate", json={"version": 9})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
