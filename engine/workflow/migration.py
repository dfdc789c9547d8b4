"""Explicit migration of a running instance to another version of its process."""

from __future__ import annotations

from typing import Any

from engine import audit
from engine.errors import Conflict
from engine.models import Deployment, Instance
from engine.workflow import deployments
from engine.workflow.instances import get
from engine.workflow.spiff import SPECS
from engine.workflow.step import EngineContext, Step


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
    return step.save()
