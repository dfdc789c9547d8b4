"""Task assignment over the API, and the engine's command line (token, deploy, instances)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask

from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.engine import BUNDLES, ApiClient


def _task(api: ApiClient) -> dict[str, Any]:
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    return api.ready_task(started["id"], "revisar")


def test_a_tasks_token_claims_releases_and_completes_group_tasks(app: Flask, api: ApiClient,
                                                                api_with: Callable[..., ApiClient]) -> None:
    task = _task(api)
    worker = api_with(app, "tasks", "read", name="mesa-bot")
    claimed = worker.post(f"/api/v1/tasks/{task['id']}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "api:mesa-bot"
    other = api_with(app, "tasks", name="otro-bot")
    taken = other.post(f"/api/v1/tasks/{task['id']}/claim")
    assert taken.status_code == 409 and "api:mesa-bot" in taken.get_json()["detail"]
    mine = worker.get("/api/v1/tasks?assignee=api:mesa-bot").get_json()
    assert [t["id"] for t in mine["items"]] == [task["id"]]
    released = worker.post(f"/api/v1/tasks/{task['id']}/unclaim")
    assert released.status_code == 200 and released.get_json()["assignee"] is None
    done = other.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"completo": True}})
    assert done.status_code == 200 and done.get_json()["completed_by"] == "api:otro-bot"


def test_assignment_needs_the_tasks_scope_and_binds_the_task(app: Flask, api: ApiClient,
                                                              api_with: Callable[..., ApiClient]) -> None:
    task = _task(api)
    with app.app_context(), unit_of_work():  # a person who may hold the task (tests/security: who may not)
        ensure_user("jperez", display_name="J. Pérez", password="jperez-clave-segura", roles=("staff",),
                    groups=(task["candidate_group"],))
    reader = api_with(app, "read", name="tablero")
    refused = reader.post(f"/api/v1/tasks/{task['id']}/assign", json={"assignee": "jperez"})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    worker = api_with(app, "tasks", name="mesa-bot")
    assigned = worker.post(f"/api/v1/tasks/{task['id']}/assign", json={"assignee": "jperez"})
    assert assigned.status_code == 200 and assigned.get_json()["assignee"] == "jperez"
    blocked = worker.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"completo": True}})
    assert blocked.status_code == 409 and "jperez" in blocked.get_json()["detail"]
    events = api.get(f"/api/v1/instances/{task['instance_id']}/events").get_json()["items"]
    assert any(e["type"] == "task_assigned" and e["data"] == {"before": None, "after": "jperez"} for e in events)


def test_task_filters_by_due_date_and_sort(api: ApiClient) -> None:
    task = _task(api)
    due = api.get(f"/api/v1/tasks/{task['id']}").get_json()["due_at"]
    assert api.get("/api/v1/tasks", query_string={"due_before": due}).get_json()["total"] == 0
    later = api.get("/api/v1/tasks", query_string={"due_before": "2999-01-01T00:00:00+00:00"}).get_json()
    assert later["total"] == 1
    naive = api.get("/api/v1/tasks", query_string={"due_before": "2999-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.get_json()["errors"][0]["pointer"] == "/due_before"
    assert api.get("/api/v1/tasks?sort=color").status_code == 422


def test_token_create_prints_the_secret_alone_on_the_last_line_once(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["token", "create", "--name", "gaf", "--scope", "messages",
                                                "--scope", "read"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("tsmt_") and " " not in secret
    ok = app.test_client().get("/api/v1/processes", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    refused = app.test_client().post("/api/v1/processes/x/instances", json={},
                                     headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 403
    again = app.test_cli_runner().invoke(args=["token", "create", "--name", "gaf", "--scope", "read"])
    assert again.exit_code != 0


def test_cli_deploys_and_lists_instances(app: Flask, api: ApiClient) -> None:
    runner = app.test_cli_runner()
    deployed = runner.invoke(args=["deploy", str(BUNDLES / "simple")])
    assert deployed.exit_code == 0 and "tramite_simple versión 1 (desplegado)" in deployed.output
    unchanged = runner.invoke(args=["deploy", str(BUNDLES / "simple")])
    assert "versión 1 (sin cambios)" in unchanged.output
    started = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    listed = runner.invoke(args=["instances", "--json", "--process", "tramite_simple"])
    assert listed.exit_code == 0
    rows = json.loads(listed.output)
    assert [r["number"] for r in rows] == [started["number"]] and rows[0]["status"] == "running"
