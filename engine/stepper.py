"""One step of an instance: load its workflow, act, run the engine, save state and indexes.

Every use case that changes an instance goes through :class:`Step`, so the serialized
workflow, the task and subscription indexes, the next timer, incidents and audit events
are always written together (the caller's edge commits once). A failing script or
service task leaves its task in ERROR with everything before it kept, and opens an
incident; nothing half-done is saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine import audit, indexing
from engine.db import db
from engine.errors import EngineLimit
from engine.models import Incident, Instance
from engine.pruning import prune
from engine.spiff import ScriptEngine, ServiceCallError, state_from_dict, state_to_dict

log = logging.getLogger(__name__)

MAX_TASKS_PER_STEP = 10_000
RETRY_BASE_SECONDS = 5
DEFAULT_RETRIES = 4


@dataclass
class EngineContext:
    """What a step needs from the composed platform (built by ``create_app``)."""

    call_connector: Callable[[str, dict[str, Any], dict[str, Any]], Any] | None
    now: Callable[[], datetime]
    timezone: str
    public_url: str = ""
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def script_engine(self, instance: Instance) -> ScriptEngine:
        facts = {"instance_id": instance.id, "case_number": instance.number,
                 "process_key": instance.process_key, "public_url": self.public_url}
        return ScriptEngine(self.call_connector, lambda task: dict(facts), now=self.now)


class Step:
    """Load an instance's workflow for one change; :meth:`save` writes it back."""

    def __init__(self, instance: Instance, ctx: EngineContext, actor: str, incident: Incident | None = None) -> None:
        self.instance = instance
        self.incident = incident
        self.ctx = ctx
        self.actor = actor
        self.workflow: BpmnWorkflow = state_from_dict(
            instance.state, instance.deployment_id, instance.deployment.spec, ctx.script_engine(instance)
        )
        self.failure: Exception | None = None
        self.failed_task: SpiffTask | None = None

    def run(self) -> None:
        """Run every ready engine task (gateways, scripts, services, events) until people or events must act."""
        count = 0

        def will_complete(task: SpiffTask) -> None:
            nonlocal count
            count += 1
            if count > MAX_TASKS_PER_STEP:
                raise EngineLimit(f"Se ejecutaron más de {MAX_TASKS_PER_STEP} tareas automáticas seguidas "
                                  "sin esperar a una persona o un evento (¿un ciclo sin fin?).")

        def did_complete(task: SpiffTask) -> None:
            self._record_path(task)

        try:
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps(will_complete_task=will_complete, did_complete_task=did_complete)
        except Exception as e:  # any analyst or connector error becomes an incident, never a 500
            self.failure = e
            self.failed_task = errored_task(self.workflow)
            log.info("instance %s failed at %s: %r", self.instance.id,
                     self.failed_task.task_spec.bpmn_id if self.failed_task else "?", e)

    def _record_path(self, task: SpiffTask) -> None:
        spec = task.task_spec
        bpmn_id = getattr(spec, "bpmn_id", None)
        if bpmn_id and not task.has_state(TaskState.CANCELLED):
            audit.record("element_completed", self.actor, instance_id=self.instance.id, task_id=str(task.id),
                         element_id=bpmn_id, data={"type": type(spec).__name__,
                                                   "name": getattr(spec, "bpmn_name", None)})

    def complete(self, task: SpiffTask, data: dict[str, Any]) -> None:
        """Complete a human task with the submitted data, then run the engine."""
        task.data.update(data)
        task.run()
        self._record_path(task)
        self.run()

    def save(self) -> Instance:
        """Prune history, serialize, update indexes, incidents and status (flushes, never commits)."""
        prune(self.workflow)
        instance = self.instance
        now = self.ctx.now()
        instance.state = state_to_dict(self.workflow)
        instance.data = _public_data(self.workflow)
        instance.updated_at = now
        indexing.sync(instance, self.workflow, now)
        previous = instance.status
        if self.failure is not None:
            self._open_incident(self.failure, now)
            instance.status = "error"
            db.session.flush()
            return instance
        self._resolve_incident(now)
        if instance.status not in ("suspended", "terminated"):
            instance.status = _status(self.workflow)
            if instance.status == "error":
                self._open_stall_incident(now)
        if instance.status == "completed" and previous != "completed":
            instance.completed_at = now
            audit.record("instance_completed", self.actor, instance_id=instance.id)
        db.session.flush()
        return instance

    def _open_incident(self, error: Exception, now: datetime) -> None:
        root = _root_cause(error)
        temporary = isinstance(root, ServiceCallError) and root.temporary
        element = self.failed_task.task_spec.bpmn_id if self.failed_task else None
        incident = self.incident
        if incident is None:
            incident = Incident(instance_id=self.instance.id, attempts=0)
            db.session.add(incident)
        incident.element_id = element
        incident.kind = "service" if isinstance(root, ServiceCallError) else "script"
        incident.message = _message(error)
        incident.attempts += 1
        if temporary and incident.attempts <= _retries_of(self.failed_task):
            incident.status = "retrying"
            incident.next_retry_at = now + timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (incident.attempts - 1))
        else:
            incident.status = "open"
            incident.next_retry_at = None
        audit.record("incident_opened" if incident.attempts == 1 else "incident_failed_again", self.actor,
                     instance_id=self.instance.id, element_id=element,
                     data={"message": incident.message, "kind": incident.kind, "attempts": incident.attempts})

    def _resolve_incident(self, now: datetime) -> None:
        if self.incident is not None and self.incident.status != "resolved":
            self.incident.status = "resolved"
            self.incident.resolved_at = now
            self.incident.next_retry_at = None
            audit.record("incident_resolved", self.actor, instance_id=self.instance.id,
                         element_id=self.incident.element_id, data={"attempts": self.incident.attempts})

    def _open_stall_incident(self, now: datetime) -> None:
        message = ("La instancia no tiene tareas pendientes ni eventos que esperar, pero no terminó: "
                   "el motor no puede continuar.")
        db.session.add(Incident(instance_id=self.instance.id, element_id=None, kind="engine", message=message))
        audit.record("incident_opened", self.actor, instance_id=self.instance.id, data={"message": message})


def errored_task(workflow: BpmnWorkflow) -> SpiffTask | None:
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.tasks.values():
            if task.has_state(TaskState.ERROR):
                return task
    return None


def _root_cause(error: BaseException) -> BaseException:
    seen = error
    while True:
        inner = getattr(seen, "exception", None) or seen.__cause__
        if inner is None or inner is seen:
            return seen
        if isinstance(seen, ServiceCallError):
            return seen
        seen = inner


def _message(error: BaseException) -> str:
    root = _root_cause(error)
    if isinstance(root, ServiceCallError | EngineLimit):
        return str(root)
    text = str(getattr(root, "message", None) or root) or type(root).__name__
    return text[:2000]


def _retries_of(task: SpiffTask | None) -> int:
    retries = getattr(task.task_spec, "retries", None) if task is not None else None
    try:
        return DEFAULT_RETRIES if retries is None else int(retries)
    except (TypeError, ValueError):
        return DEFAULT_RETRIES


def _status(workflow: BpmnWorkflow) -> str:
    if workflow.completed:
        return "completed"
    workflows = [workflow, *workflow.subprocesses.values()]
    if any(t.has_state(TaskState.ERROR) for wf in workflows for t in wf.tasks.values()):
        return "error"
    if any(t.has_state(TaskState.READY | TaskState.STARTED) for wf in workflows for t in wf.tasks.values()):
        return "running"
    if any(t.has_state(TaskState.WAITING) for wf in workflows for t in wf.tasks.values()):
        return "waiting"
    return "error"


def _public_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The case data as of the latest finished step: what lists and the API show."""
    last = workflow.last_task
    if last is None or not last.data:
        ready = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        last = ready[0] if ready else workflow.task_tree
    return indexing.json_safe(last.data)
