"""Long loops: a correction loop runs 1,000 passes with flat state; engine limits become incidents.

Bare SpiffWorkflow 3.2.0 stalls silently at pass ~251 of a 4-node loop (its task iterator
stops at depth 1,000) and its state grows with every pass. The platform prunes settled
history after every step, so the loop runs to its end and the state keeps its size; the
history is in the audit trail.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from flask import Flask
from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import func, select

from engine import sandbox
from engine.db import db
from engine.models import AuditEvent, Incident, Instance, Task
from engine.runtime import Runtime
from engine.uow import unit_of_work
from engine.workflow import completion, deployments, human_tasks, instances, step
from engine.workflow.bundles import bundle_from_path
from engine.workflow.pruning import pending_engine_tasks, prune
from engine.workflow.spiff import Parser, ScriptEngine
from tests.fixtures.engine import BUNDLES

ADMIN = human_tasks.Actor("pruebas", admin=True)
#: Passes per backend. PostgreSQL commits are slower here, so it runs 300 passes: fewer, but
#: still past the pass where an unpruned tree of this loop stalls (334 in bench/engine.py).
PASSES = {"sqlite": 1000, "postgresql": 300}


def _runtime(app: Flask) -> Runtime:
    found: Runtime = app.extensions["tramites"]
    return found


def _deploy(app: Flask, folder: Path) -> None:
    rt = _runtime(app)
    with unit_of_work():
        deployments.deploy(bundle_from_path(folder), "pruebas", rt.operations(), rt.known_groups)


def _start(app: Flask, key: str, data: dict[str, Any]) -> str:
    ctx = _runtime(app).engine_context()
    with unit_of_work(ctx.after_commit):
        instance_id: str = instances.start(ctx, key, data, "pruebas").id
    db.session.remove()
    return instance_id


def _pass(app: Flask, instance_id: str) -> Instance:
    """Complete the instance's only ready task: one unit of work, as one API request would."""
    ctx = _runtime(app).engine_context()
    with unit_of_work(ctx.after_commit):
        task_id = db.session.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.status == "ready"))
        assert task_id is not None, "no ready task: the instance stalled"
        completion.complete_task(ctx, task_id, completion.Submission({}), ADMIN)
    instance = instances.get(instance_id)
    db.session.expunge_all()
    return instance


def _state_size(instance: Instance) -> int:
    return len(json.dumps(instance.state))


def test_a_correction_loop_runs_its_passes_with_flat_state(app: Flask) -> None:
    with app.app_context():
        passes = PASSES[db.engine.dialect.name]
        _deploy(app, BUNDLES / "loop_correccion")
        instance_id = _start(app, "loop", {"pasadas": 0, "objetivo": passes + 1})
        sizes: dict[int, int] = {}
        for number in range(1, passes + 1):
            instance = _pass(app, instance_id)
            assert instance.status == "running", (number, instance.status)
            if number in (10, passes):
                sizes[number] = _state_size(instance)
        assert instance.data["pasadas"] == passes
        assert sizes[passes] <= 1.2 * sizes[10], sizes
        final = _pass(app, instance_id)
        assert final.status == "completed" and final.data["pasadas"] == passes + 1
        completions = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.type == "task_completed"))
        assert completions == passes + 1  # the history left the state for the audit trail
        db.session.remove()


def test_long_automatic_runs_finish_or_become_an_engine_limit_incident(app: Flask, monkeypatch: Any) -> None:
    monkeypatch.setattr(step, "MAX_TASKS_PER_STEP", 2_000)
    # The limit under test is the step's task count. Each script's 2 s wall clock stays out of it:
    # on a loaded CI machine a collector pause inside one tiny script once passed 2 s first.
    monkeypatch.setattr(sandbox, "Limits", functools.partial(sandbox.Limits, seconds=120))
    with app.app_context():
        _deploy(app, BUNDLES / "loop_automatico")
        # 600 passes = 1,200 tasks in one step: deeper than the library's iterator reaches.
        finished = instances.get(_start(app, "automatico", {"vueltas": 0, "objetivo": 600}))
        assert finished.status == "completed" and finished.data["vueltas"] == 600
        endless_id = _start(app, "automatico", {"vueltas": 0, "objetivo": 10**9})
        endless = instances.get(endless_id)
        assert endless.status == "error"  # never a silent "running" with nothing to do
        incident = db.session.scalar(select(Incident).where(Incident.instance_id == endless_id))
        assert incident is not None and incident.kind in ("engine", "script")
        assert "2000" in incident.message.replace(".", "").replace(",", "")
        db.session.remove()


def test_pruning_between_engine_runs_reaches_what_the_library_leaves_behind() -> None:
    """Without pruning between runs, the library leaves READY tasks past depth 1,000."""
    parser = Parser()
    parser.add_bpmn_file(str(BUNDLES / "loop_automatico" / "automatico.bpmn"))
    workflow = BpmnWorkflow(parser.get_spec("automatico"), script_engine=ScriptEngine())
    workflow.get_tasks()[0].data.update({"vueltas": 0, "objetivo": 700})
    workflow.do_engine_steps()
    assert not workflow.completed and pending_engine_tasks(workflow)  # the library's silent stall
    while pending_engine_tasks(workflow):
        assert prune(workflow) > 0
        workflow.do_engine_steps()
    assert workflow.completed and workflow.last_task.data["vueltas"] == 700
