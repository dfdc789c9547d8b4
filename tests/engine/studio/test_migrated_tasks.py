"""A migrated case's waiting task takes the new version's name, group and form (its row is re-read)."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from engine.db import db
from engine.models import Task
from tests.fixtures.engine import ApiClient

BUNDLE = Path(__file__).resolve().parents[2] / "data" / "studio" / "diff" / "v1"
KEY = "diff_demo"


def _row(app: Flask, task_id: str) -> Task:
    with app.app_context():
        row = db.session.get(Task, task_id)
        assert row is not None
        db.session.expunge(row)
        return row


def test_the_waiting_task_moves_to_the_new_lane_and_form(app: Flask, api: ApiClient, tmp_path: Path) -> None:
    assert api.deploy(BUNDLE).status_code == 201
    case = api.start(KEY, {}).get_json()
    waiting = api.ready_task(case["id"], "revisar")
    assert api.post(f"/api/v1/tasks/{waiting['id']}/claim").status_code == 200
    before = _row(app, waiting["id"])
    assert (before.candidate_group, before.assignee, before.form) == ("mesa_entradas", "api:pruebas",
                                                                      "revision.schema.json")
    # Version 2: the same task, renamed, in Obras Públicas' lane, with another form.
    folder = tmp_path / KEY
    shutil.copytree(BUNDLE, folder)
    bpmn = folder / f"{KEY}.bpmn"
    text = bpmn.read_text(encoding="utf-8").replace('name="Mesa de Entradas"', 'name="Obras Públicas"')
    text = text.replace('name="Revisar la solicitud"', 'name="Revisar la solicitud en Obras"')
    bpmn.write_text(text.replace('value="revision.schema.json"', 'value="revision_obras.schema.json"'),
                    encoding="utf-8")
    shutil.copy(folder / "revision.schema.json", folder / "revision_obras.schema.json")
    assert api.deploy(folder).get_json()["version"] == 2

    moved = api.post(f"/api/v1/instances/{case['id']}:migrate", json={"version": 2})
    assert moved.status_code == 200, moved.get_json()
    after = _row(app, waiting["id"])
    assert (after.name, after.candidate_group, after.form) == ("Revisar la solicitud en Obras", "obras_publicas",
                                                               "revision_obras.schema.json")
    assert after.assignee is None  # taken in the old group: back to the new group's inbox
    assert after.due_at == before.due_at and after.status == "ready"
