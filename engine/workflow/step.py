"""One step of an instance: load its workflow, act, run the engine, save state and indexes.

Every use case that changes an instance goes through :class:`Step`, so the serialized
workflow, the task and subscription indexes, the next timer, incidents and audit events
are always written together (the caller's edge commits once). A failing script or
service task leaves its task in ERROR with everything before it kept, and opens an
incident; nothing half-done is saved: the failed task's data goes back to what it was before
it ran, and a step that failed before completing anything (a retry that fails again) leaves
the stored workflow exactly as it was.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine import audit, sandbox
from engine.casefile import payment
from engine.db import db, new_id
from engine.deadlines.holidays import city_calendar
from engine.errors import EngineLimit
from engine.models import Incident, Instance
from engine.observability import logs, metrics
from engine.workflow import indexing
from engine.workflow.pruning import pending_engine_tasks, prune
from engine.workflow.spiff import ScriptEngine, ServiceCallError, state_from_dict, state_to_dict

log = logging.getLogger(__name__)
#: One line per committed step (case number, procedure, duration): operators follow a case by it.
step_log = logging.getLogger("tramites.step")

MAX_TASKS_PER_STEP = 10_000
# Flatten the tree this often inside one step: the library's iterator stops at depth 1,000.
PRUNE_EVERY = 50
RETRY_BASE_SECONDS = 5
RETRY_MAX_SECONDS = 3600
DEFAULT_RETRIES = 4


@dataclass
class EngineContext:
    """What a step needs from the composed platform (built by ``create_app``)."""

    call_connector: Callable[[str, dict[str, Any], dict[str, Any]], Any] | None
    now: Callable[[], datetime]
    timezone: str
    public_url: str = ""
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    #: Delivers the messages a step threw to the instances that wait for them
    #: (``engine.workflow.messages.dispatch_thrown``, which builds on :class:`Step`; injected so
    #: that this module does not import it back).
    dispatch_thrown: Callable[..., Any] | None = None
    #: Hands a case that now waits for messages the kept ones it catches
    #: (``engine.workflow.messages.deliver_kept``; injected for the same reason).
    deliver_kept: Callable[..., Any] | None = None

    def clock_for(self, instance: Instance) -> Callable[[], datetime]:
        """The instance's own clock: the platform's, moved forward by a test case's offset."""
        offset = timedelta(seconds=instance.clock_offset or 0)
        if not offset:
            return self.now
        return lambda: self.now() + offset

    def script_engine(self, instance: Instance) -> ScriptEngine:
        facts: dict[str, Any] = {"instance_id": instance.id, "case_number": instance.number,
                                 "process_key": instance.process_key, "deployment_id": instance.deployment_id,
                                 "public_url": self.public_url}
        if instance.is_test:  # connectors see it: notifications are suppressed, GAF goes to its sandbox
            facts["test_case"] = True
        return ScriptEngine(self.call_connector, lambda task: dict(facts), now=self.clock_for(instance),
                            calendar=lambda: city_calendar(self.timezone))


class Step:
    """Load an instance's workflow for one change; :meth:`save` writes it back."""

    def __init__(self, instance: Instance, ctx: EngineContext, actor: str, incident: Incident | None = None,
                 *, new_case: bool = False, trigger: str | None = None) -> None:
        self._began = time.perf_counter()
        self.instance = instance
        #: What moved the case, for the metrics: a start, a task, a timer, a retry or something else.
        self.trigger = trigger or ("start" if new_case else "retry" if incident is not None else "other")
        #: A case started by this step: it has no index rows yet, so there is nothing to read back.
        self.new_case = new_case
        self.incident = incident
        self.ctx = ctx
        self.actor = actor
        #: The case's clock (a test case's runs ahead): timers, due dates and the case clock read it.
        self.now = ctx.clock_for(instance)
        # The deployment (and its large spec column) is read only when its specs are not cached yet.
        self.workflow: BpmnWorkflow = state_from_dict(
            instance.state, instance.deployment_id, lambda: instance.deployment.spec, ctx.script_engine(instance)
        )
        self.failure: Exception | None = None
        self.failed_task: SpiffTask | None = None
        self.progress = 0  # tasks completed by this step
        self.awaited: list[tuple[str, str]] = []  # the messages the saved workflow waits for
        self._running: tuple[SpiffTask, dict[str, Any]] | None = None  # the engine task now running, its data
        #: Per (sub-)workflow, the last element of the model this step completed there.
        self._last_elements: dict[int, SpiffTask] = {}

    def run(self) -> None:
        """Run every ready engine task (gateways, scripts, services, events) until people or events must act.

        Any error of an analyst's code, a connector or an engine limit is kept in :attr:`failure`
        (for :meth:`save` to open an incident), never raised: the caller answers normally.
        """
        count = 0

        def will_complete(task: SpiffTask) -> None:
            nonlocal count
            count += 1
            if count > MAX_TASKS_PER_STEP:
                raise EngineLimit(f"Se ejecutaron más de {MAX_TASKS_PER_STEP} tareas automáticas seguidas "
                                  "sin esperar a una persona o un evento (¿un ciclo sin fin?).")
            # Only code that writes task data as it goes needs its input kept (a copy per task costs).
            self._running = (task, copy.deepcopy(task.data)) if _runs_code(task) else None

        def did_complete(task: SpiffTask) -> None:
            self._running = None
            self._record_path(task)
            if count % PRUNE_EVERY == 0:
                prune(self.workflow)

        try:
            self.workflow.refresh_timers()
            self._run_until_settled(will_complete, did_complete)
        except Exception as e:  # any analyst or connector error becomes an incident, never a 500
            self._fail(e)

    def _run_until_settled(self, will_complete: Any, did_complete: Any) -> None:
        """Run the engine until no automatic task is left, or report the limit it hit.

        The library's walk silently misses READY tasks deeper than its iterator reaches; after
        pruning they are reachable again, and when pruning cannot flatten the tree any more the
        instance gets an engine-limit incident instead of a silent stall.
        """
        while True:
            self.workflow.do_engine_steps(will_complete_task=will_complete, did_complete_task=did_complete)
            if not pending_engine_tasks(self.workflow):
                return
            if prune(self.workflow) == 0:
                raise EngineLimit("El motor no alcanza las tareas pendientes de esta instancia "
                                  "(árbol de tareas demasiado profundo).")

    def _fail(self, error: Exception) -> None:
        self.failure = error
        self.failed_task = errored_task(self.workflow)
        if self._running is not None:
            task, data_before = self._running
            task.data = data_before  # what a script assigned before it failed is not kept
            self.failed_task = self.failed_task or task
        # An expression evaluated while its task waits (a timer's duration) leaves no task in ERROR.
        self.failed_task = self.failed_task or getattr(error, "task", None)
        log.info("instance %s failed at %s: %r", self.instance.id,
                 self.failed_task.task_spec.bpmn_id if self.failed_task else "?", error)

    def _record_path(self, task: SpiffTask) -> None:
        spec = task.task_spec
        bpmn_id = getattr(spec, "bpmn_id", None)
        self.progress += 1
        if bpmn_id and not task.has_state(TaskState.CANCELLED):
            self._last_elements[id(task.workflow)] = task
            audit.record("element_completed", self.actor, instance_id=self.instance.id, task_id=str(task.id),
                         element_id=bpmn_id, data={"type": type(spec).__name__,
                                                   "name": getattr(spec, "bpmn_name", None)})

    def complete(self, task: SpiffTask, data: dict[str, Any]) -> None:
        """Complete a human task with the submitted data, then run the engine."""
        self.trigger = "task"
        task.data.update(data)
        task.run()
        self._record_path(task)
        self.run()

    def save(self) -> Instance:
        """Prune history, serialize, update indexes, incidents and status (flushes, never commits).

        A step that failed before completing any task keeps the stored workflow and indexes as
        they were (a failed retry changes nothing but its incident). Messages the step threw
        are then delivered to the instances that wait for them, in the same transaction, and
        a kept message the case now waits for is handed to it.
        """
        # Taken before serializing: get_events() also clears them from the stored state.
        thrown = self.workflow.get_events() if self.failure is None or self.progress else []
        previous = self.instance.status
        instance = self._save()
        self._observe_after_commit(finished=instance.status == "completed" and previous != "completed")
        if thrown:
            if self.ctx.dispatch_thrown is None:
                raise RuntimeError("this engine context cannot deliver messages (no dispatch_thrown)")
            self.ctx.dispatch_thrown(self.ctx, thrown, self.actor, sender=instance)
        if self.awaited and self.ctx.deliver_kept is not None:
            self.ctx.deliver_kept(self.ctx, instance, self.awaited, self.actor)
        return instance

    def _observe_after_commit(self, finished: bool) -> None:
        """Count the step and log its line once its transaction commits (a rolled back one never happened).

        The values are taken now: after the commit the instance's attributes would be read again.
        """
        instance = self.instance
        if instance.is_test:
            return  # test cases are never counted (nor logged as the city's work)
        facts = {"case": instance.number, "procedure": instance.process_key, "trigger": self.trigger,
                 "outcome": "incident" if self.failure is not None else "ok"}
        started = self.trigger == "start"

        def observe() -> None:
            seconds = time.perf_counter() - self._began
            metrics.step_saved(facts["procedure"], facts["trigger"], facts["outcome"], seconds,
                               started=started, completed=finished)
            step_log.info("step %s of %s", facts["trigger"], facts["case"],
                          extra={**facts, "duration_ms": round(seconds * 1000, 1)})
            if logs.request_case.get() is None:
                logs.request_case.set(facts["case"])

        self.ctx.after_commit.append(observe)

    def _save(self) -> Instance:
        instance = self.instance
        now = self.ctx.now()
        instance.updated_at = now
        if self.failure is None or self.progress:
            self._point_at_last_elements()
            prune(self.workflow)
            # Indexing first: resuming the case's clock moves business-day timers in the workflow.
            # A test case's clock runs ahead (``clock_for``): its due dates and pauses follow it.
            self.awaited = indexing.sync(instance, self.workflow, self.now(), self.ctx.timezone,
                                         indexed=not self.new_case)
            self.new_case = False
            if instance.next_timer_at is not None and instance.clock_offset:
                # The runner compares with the platform's clock: a test case's timer is due that much earlier.
                instance.next_timer_at -= timedelta(seconds=instance.clock_offset)
            instance.state = state_to_dict(self.workflow)
            instance.data = _public_data(self.workflow)
        previous = instance.status
        if self.failure is not None:
            self._open_incident(self.failure, now)
            instance.status = "error"
            if previous != "error":
                audit.record("instance_failed", self.actor, instance_id=instance.id,
                             element_id=self.incident.element_id if self.incident else None)
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
        payment.announce_new_slips(instance, [name for name, _key in self.awaited], self.actor)
        db.session.flush()
        return instance

    def _point_at_last_elements(self) -> None:
        """Make each workflow's last task the last element this step completed in it.

        The library's ``last_task`` is whatever completed last, bookkeeping included: when a
        boundary event interrupts an activity, the activity's join completes after the event's
        path has run on, with the cancelled activity's data, and the case data shown would lag
        behind the tasks that path made ready.
        """
        for task in self._last_elements.values():
            if task.has_state(TaskState.COMPLETED):
                task.workflow.last_task = task

    def _open_incident(self, error: Exception, now: datetime) -> None:
        root = _root_cause(error)
        temporary = isinstance(root, ServiceCallError) and root.temporary
        element = self.failed_task.task_spec.bpmn_id if self.failed_task else None
        incident = self.incident
        if incident is None:
            incident = Incident(id=new_id(), instance_id=self.instance.id, attempts=0)
            db.session.add(incident)
            self.incident = incident
        incident.element_id = element
        incident.kind = _kind(root)
        incident.message = _message(error)
        incident.attempts += 1
        if temporary and incident.attempts <= _retries_of(self.failed_task):
            incident.status = "retrying"
            incident.next_retry_at = now + retry_delay(self.failed_task, incident.attempts)
        else:
            incident.status = "open"
            incident.next_retry_at = None
        audit.record("incident_opened" if incident.attempts == 1 else "incident_failed_again", self.actor,
                     instance_id=self.instance.id, element_id=element,
                     data={"incident_id": incident.id, "message": incident.message, "kind": incident.kind,
                           "attempts": incident.attempts, "status": incident.status,
                           "next_retry_at": incident.next_retry_at.isoformat() if incident.next_retry_at else None})

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


def reset_failed(task: SpiffTask) -> None:
    """Make a failed task ready to run again on the data it had just before it ran.

    The failed task's own data is its input: it inherited everything done before it,
    corrections included, and the step put back what it had before it ran (see
    :meth:`Step._fail`). The library's ``reset_branch`` merges the parent's data over it, and
    history pruning may have replaced that parent with an early task (the start event, holding
    the case's first values): corrections made since would be undone while variables created
    later kept theirs. So the input is set again after the reset.
    """
    data = copy.deepcopy(task.data)
    task.reset_branch(copy.deepcopy(data))
    task.data = data


_KNOWN_CAUSES = (ServiceCallError, sandbox.ScriptError, EngineLimit)
_CODE_ATTRIBUTES = ("script", "prescript", "postscript", "operation_name")
_MAX_CHAIN = 50


def _runs_code(task: SpiffTask) -> bool:
    """Whether the task runs a script or calls a service (and so may leave half-written data)."""
    return any(getattr(task.task_spec, name, None) for name in _CODE_ATTRIBUTES)


def _root_cause(error: BaseException) -> BaseException:
    """The error behind the library's wrappers: a connector's, the sandbox's, an engine limit or the original.

    The library raises its wrappers inside ``except`` blocks, so the cause may be the implicit
    ``__context__`` rather than ``__cause__``.
    """
    current: BaseException | None = error
    for _ in range(_MAX_CHAIN):
        if current is None or isinstance(current, _KNOWN_CAUSES):
            break
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    if isinstance(current, _KNOWN_CAUSES):
        return current
    explicit = error  # none of ours: the innermost explicit cause
    for _ in range(_MAX_CHAIN):
        inner = getattr(explicit, "exception", None) or explicit.__cause__
        if inner is None or inner is explicit:
            break
        explicit = inner
    return explicit


def _kind(root: BaseException) -> str:
    if isinstance(root, ServiceCallError):
        return "service"
    return "engine" if isinstance(root, EngineLimit) else "script"


def _message(error: BaseException) -> str:
    """The text an operator reads: the cause, not the library's wrapper ("Error evaluating …")."""
    root = _root_cause(error)
    if isinstance(root, _KNOWN_CAUSES):
        return str(root)[:2000]
    text = str(getattr(root, "message", None) or root)
    text = f"{type(root).__name__}: {text}" if text else type(root).__name__
    return text[:2000]


def _retries_of(task: SpiffTask | None) -> int:
    retries = getattr(task.task_spec, "retries", None) if task is not None else None
    try:
        return DEFAULT_RETRIES if retries is None else max(int(retries), 0)
    except (TypeError, ValueError):
        return DEFAULT_RETRIES


def retry_delay(task: SpiffTask | None, attempts: int) -> timedelta:
    """Backoff before the next automatic try: base × 2^(attempts − 1), at most an hour.

    :param task: the failed service task; its ``<spiffworkflow:retry backoff_base="…">`` sets
        the base in seconds (default :data:`RETRY_BASE_SECONDS`).
    :param attempts: tries made so far (1 after the first failure).
    """
    base = getattr(task.task_spec, "retry_backoff_base", None) if task is not None else None
    try:
        seconds = RETRY_BASE_SECONDS if base is None else max(float(base), 1.0)
    except (TypeError, ValueError):
        seconds = RETRY_BASE_SECONDS
    return timedelta(seconds=min(seconds * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


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
    """The case data as of the latest finished step: what lists and the API show.

    That is the data of the task that completed last, in the process or in a sub-process still
    running (whose tasks carry the data the case moves on with until it returns).
    """
    running = [sub.last_task for sub in workflow.subprocesses.values() if not sub.completed]
    finished = [task for task in (workflow.last_task, *running) if task is not None]
    last = max(finished, key=lambda task: task.last_state_change) if finished else None
    if last is None or not last.data:
        ready = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        last = ready[0] if ready else workflow.task_tree
    return indexing.json_safe(last.data)
