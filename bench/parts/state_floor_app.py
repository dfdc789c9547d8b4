"""The stateful floor: the least a completion costs in any engine service that keeps its cases' state.

The plain floor (``parts/floor_app.py``) commits one row per request and runs no engine. A
service that keeps its cases in a database must, per completion, at least read the case's
serialized workflow, restore it (spec cached), complete the ready user task with the request's
data, run the engine to the next wait, serialize the workflow and write it back, in one
committed transaction, and say which task is ready next. This app does exactly that and
nothing more: no authentication, no ORM, no audit, no index beyond the primary key. Its
engine work is :class:`parts.bare.BareChain`'s own (``restore``, ``complete_ready``, ``dump``),
the steps the bench times as bare SpiffWorkflow.

Served by gunicorn exactly as the platform is (``bench.parts.state_floor_app:app``):

- ``POST /cases``: a new case of the chain, run to its first wait and stored; answers its id
  and the ready task's id;
- ``POST /cases/<id>/complete`` with ``{"task": <ready task id>, "data": {...}}``: in one
  transaction SELECT the state (``FOR UPDATE`` on PostgreSQL, so two completions of one case
  cannot both win; no extra round trip), step it, UPDATE it, COMMIT; answers the next ready
  task's id (``next_tasks``, as the platform's answers do), so the client needs no lookup.

Configured by the environment (read at import: this module is a WSGI target):
``STATE_FLOOR_DATABASE_URL``, ``STATE_FLOOR_BPMN`` (a file holding the chain's BPMN) and
``STATE_FLOOR_KEY`` (its process id).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

from bench.parts.bare import BareChain
from bench.parts.floor_app import floor_engine

CREATE = {
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_state_floor (id INTEGER PRIMARY KEY AUTOINCREMENT, "
              "state TEXT NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_state_floor (id BIGSERIAL PRIMARY KEY, state TEXT NOT NULL)",
}
INSERT = text("INSERT INTO bench_state_floor (state) VALUES (:state) RETURNING id")
SELECT = {"sqlite": text("SELECT state FROM bench_state_floor WHERE id = :id"),
          "postgresql": text("SELECT state FROM bench_state_floor WHERE id = :id FOR UPDATE")}
UPDATE = text("UPDATE bench_state_floor SET state = :state WHERE id = :id")


def ready_ids(workflow: Any) -> list[str]:
    return [str(task.id) for task in workflow.get_tasks(state=TaskState.READY, manual=True)]


def create_app(url: str, bpmn: str, key: str) -> Flask:
    app = Flask(__name__)
    engine = floor_engine(url, CREATE)
    select = SELECT[engine.dialect.name]
    chain = BareChain(bpmn, key)  # the spec, parsed once and kept, as the platform caches it

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    @app.post("/cases")
    def start() -> Any:
        workflow = chain.new_workflow()
        with engine.begin() as connection:
            case_id = connection.execute(INSERT, {"state": chain.dump(workflow)}).scalar_one()
        return jsonify({"id": case_id, "next_tasks": ready_ids(workflow)}), 201

    @app.post("/cases/<int:case_id>/complete")
    def complete(case_id: int) -> Any:
        body = request.get_json()
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            return jsonify({"title": "JSON object with data expected"}), 400
        with engine.begin() as connection:  # BEGIN, SELECT, UPDATE, COMMIT
            state = connection.execute(select, {"id": case_id}).scalar_one_or_none()
            if state is None:
                return jsonify({"title": "no such case"}), 404
            workflow = chain.restore(state)
            if ready_ids(workflow)[:1] != [body.get("task")]:
                return jsonify({"title": "that task is not the ready one"}), 409  # rolled back
            chain.complete_ready(workflow, body["data"])
            connection.execute(UPDATE, {"state": chain.dump(workflow), "id": case_id})
        return jsonify({"id": case_id, "completed": workflow.completed, "next_tasks": ready_ids(workflow)})

    return app


if "STATE_FLOOR_DATABASE_URL" in os.environ:
    app = create_app(os.environ["STATE_FLOOR_DATABASE_URL"], Path(os.environ["STATE_FLOOR_BPMN"]).read_text(),
                     os.environ["STATE_FLOOR_KEY"])
