"""Explicit migration of a running instance to another version of its process."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import audit
from engine.db import db
from engine.errors import Conflict
from engine.models import Deployment, Instance, Task
from engine.workflow import deployments
from engine.workflow.instances import get
from engine.workflow.spiff import SPECS
from engine.workflow.step import EngineContext, Step
from engine.workflow.tasks import describe, is_human


def unmapped_tasks(state: dict[str, Any], target: Deployment) -> list[str]:
    """Name every task of the state whose element the target version does not have."""
    spec, subprocess_specs = SPECS.get(target.id, target.spec)
    reasons = []
    for task in state.get("tasks", {}).values():
        if task["task_spec"] not in spec.task_specs:
            reasons.append(f"La tarea «{task['task_spec']}» no existe en la versión {target.version}.")
    for sub in state.get("subprocesses", {}).values():
        sub_spec = subprocess_specs.get(sub.get("spec"))
        if sub_spec is None:
            reasons.append(f"El subproceso «{sub.get('spec')}» no existe en la versión {target.version}.")
            continue
        for task in sub.get("tasks", {}).values():
            if task["task_spec"] not in sub_spec.task_specs:
                reasons.append(f"La tarea «{task['task_spec']}» del subproceso «{sub.get('spec')}» no existe "
                               f"en la versión {target.version}.")
    return sorted(set(reasons))


def migrate(ctx: EngineContext, instance_id: str, version: int, actor: str) -> Instance:
    """Move the instance to ``version``; refuse with the reasons when its tasks do not map.

    :raises Conflict: when the instance is finished, already there, or tasks do not map.
    """
    instance = get(instance_id)
    if instance.status in ("completed", "terminated"):
        raise Conflict("No se puede migrar un expediente terminado.")
    target = deployments.version(instance.process_key, version)
    if target.id == instance.deployment_id:
        raise Conflict(f"El expediente ya está en la versión {version}.")
    reasons = unmapped_tasks(instance.state, target)
    if reasons:
        raise Conflict("No se puede migrar: hay tareas sin equivalente en la versión de destino.",
                       errors=[{"pointer": "", "message": r} for r in reasons])
    before = instance.version
    instance.deployment_id, instance.deployment, instance.version = target.id, target, target.version
    audit.record("instance_migrated", actor, instance_id=instance.id, data={"before": before, "after": version})
    step = Step(instance, ctx, actor)
    step.run()
    _reread_waiting_tasks(step)
    return step.save()


def _reread_waiting_tasks(step: Step) -> None:
    """Give the index rows of the tasks still waiting the name, group, form and instructions of the new version.

    A waiting task keeps its row (its id does not change), so without this the inbox would
    show the old name and group and the task page the old form. Its due date stays (the SLA
    ran from when it became ready); whoever had taken it keeps it unless its group changed.
    """
    rows = {row.id: row for row in db.session.scalars(
        select(Task).where(Task.instance_id == step.instance.id, Task.status == "ready"))}
    for workflow in [step.workflow, *step.workflow.subprocesses.values()]:
        for task in workflow.tasks.values():
            row = rows.get(str(task.id))
            if row is None or not task.has_state(TaskState.READY) or not is_human(task):
                continue
            info = describe(task, step.now())
            if info.candidate_group != row.candidate_group or info.for_applicant != row.for_applicant:
                row.assignee = step.instance.started_by if info.for_applicant else None
            row.name, row.kind, row.candidate_group, row.for_applicant = (
                info.name, info.kind, info.candidate_group, info.for_applicant)
            row.priority, row.form, row.ui_form, row.instructions = (
                info.priority, info.form, info.ui_form, info.instructions)
