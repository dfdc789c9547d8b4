"""Instance use cases: start, read, suspend, resume, terminate, migrate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select
from sqlalchemy.orm import Session, defer

from engine import audit
from engine.db import db, new_id
from engine.errors import Conflict, NotFound
from engine.models import Deployment, Incident, Instance, Task
from engine.workflow import casenumbers, deployments, forms_io
from engine.workflow.indexing import json_safe
from engine.workflow.spiff import SPECS, state_to_dict
from engine.workflow.step import EngineContext, Step

#: The variable that holds the case number in every process's data.
CASE_NUMBER = "numero_expediente"


def start(ctx: EngineContext, key: str, data: dict[str, Any], actor: str,
          business_key: str | None = None, on_created: Callable[[Instance], object] | None = None) -> Instance:
    """Start a case of the latest version of ``key`` with initial data.

    :param on_created: called with the new case before its first step runs (to file the
        documents presented with the start form: they get the first folios and the process
        may already send them on).
    :raises NotFound: for an unknown key.
    :raises DataInvalid: when the data does not satisfy the procedure's start form.
    """
    return start_latest(ctx, deployments.latest(key), data, actor, business_key, on_created)


def start_latest(ctx: EngineContext, deployment: Deployment, data: dict[str, Any], actor: str,
                 business_key: str | None = None,
                 on_created: Callable[[Instance], object] | None = None) -> Instance:
    """Start a case of a version the caller already looked up as the latest (no second lookup).

    :raises DataInvalid: when the data does not satisfy the procedure's start form.
    """
    forms_io.validate_start(deployment, data)
    return start_deployment(ctx, deployment, data, actor, business_key, on_created=on_created)


def start_deployment(ctx: EngineContext, deployment: Deployment, data: dict[str, Any], actor: str,
                     business_key: str | None = None, event: Any = None,
                     on_created: Callable[[Instance], object] | None = None, test: bool = False) -> Instance:
    """Create the instance of a specific version, run it to its first wait, flush.

    :param test: a test case (``engine.workflow.testcases``): numbered apart, so no real number is used.
    :raises Conflict: for a real case of a trial version (a studio draft's): only test cases start there.
    """
    if deployment.trial and not test:
        raise Conflict("Esta versión es una prueba del estudio: solo admite casos de prueba.")
    now = ctx.now()
    family = casenumbers.family_of(deployment.key, deployment.manifest)
    number = casenumbers.test_number(family) if test else casenumbers.allocate(family, now, ctx.timezone)
    # The case number is data of the process from its first step (GAF references, correlation).
    initial = {**json_safe(data), CASE_NUMBER: number}
    spec, subprocess_specs = SPECS.get(deployment.id, lambda: deployment.spec)
    workflow = BpmnWorkflow(spec, subprocess_specs)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(initial)
    instance = Instance(
        id=new_id(), number=number,
        deployment_id=deployment.id, deployment=deployment, process_key=deployment.key,
        version=deployment.version, business_key=business_key, status="running", started_by=actor,
        state=state_to_dict(workflow), data=initial, created_at=now, updated_at=now, is_test=test,
    )
    # Written with the step's rows, first of its flush (engine.audit.case_rows.insert_case_row).
    db.session.add(instance)
    audit.record("instance_started", actor, instance_id=instance.id,
                 data={"key": deployment.key, "version": deployment.version, "number": instance.number})
    if on_created is not None:
        on_created(instance)
    step = Step(instance, ctx, actor, new_case=True)
    step.run()  # up to the first wait: for a message start, the start event itself
    if event is not None and step.failure is None:
        step.workflow.catch(event)
        step.run()
    return step.save()


def get(instance_id: str) -> Instance:
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound("El expediente no existe.")
    return instance


def get_to_read(instance_id: str) -> Instance:
    """The case for an answer that shows it: its serialized workflow (the largest column) stays unread.

    :raises NotFound: when it does not exist.
    """
    instance = db.session.get(Instance, instance_id, options=[defer(Instance.state)])
    if instance is None:
        raise NotFound("El expediente no existe.")
    return instance


@contextmanager
def tasks_made_ready() -> Iterator[list[Task]]:
    """Collect the task rows that the steps run inside the block add (the tasks they made ready).

    The rows are the ones the steps write anyway, so the answer that lists them (the API's
    ``next_tasks``) costs no query; they are read after the block, once the steps flushed.
    """
    added: list[Task] = []
    session = db.session()

    def keep(_session: Session, obj: object) -> None:
        if isinstance(obj, Task):
            added.append(obj)

    event.listen(session, "transient_to_pending", keep)
    try:
        yield added
    finally:
        event.remove(session, "transient_to_pending", keep)


def ready_tasks(instance: Instance) -> list[Task]:
    return list(db.session.scalars(
        select(Task).where(Task.instance_id == instance.id, Task.status == "ready").order_by(Task.created_at)))


def open_incidents(instance: Instance) -> list[Incident]:
    return list(db.session.scalars(
        select(Incident).where(Incident.instance_id == instance.id, Incident.status != "resolved")))


def suspend(instance_id: str, actor: str) -> Instance:
    instance = get(instance_id)
    if instance.status in ("completed", "terminated", "suspended"):
        raise Conflict(f"No se puede suspender un expediente en estado «{instance.status}».")
    instance.status = "suspended"
    audit.record("instance_suspended", actor, instance_id=instance.id)
    db.session.flush()
    return instance


def resume(ctx: EngineContext, instance_id: str, actor: str) -> Instance:
    instance = get(instance_id)
    if instance.status != "suspended":
        raise Conflict("Solo se puede reanudar un expediente suspendido.")
    instance.status = "running"
    audit.record("instance_resumed", actor, instance_id=instance.id)
    step = Step(instance, ctx, actor)
    step.run()
    return step.save()


def terminate(ctx: EngineContext, instance_id: str, actor: str, reason: str = "") -> Instance:
    instance = get(instance_id)
    if instance.status in ("completed", "terminated"):
        raise Conflict(f"El expediente ya está «{instance.status}».")
    step = Step(instance, ctx, actor)
    step.workflow.cancel()
    instance.status = "terminated"
    instance.completed_at = ctx.now()
    audit.record("instance_terminated", actor, instance_id=instance.id, data={"reason": reason})
    return step.save()


def ensure_active(instance: Instance) -> None:
    """Refuse changes to an instance that is suspended or finished."""
    if instance.status in ("suspended", "completed", "terminated"):
        raise Conflict(f"El expediente está «{instance.status}»; no admite cambios.")
