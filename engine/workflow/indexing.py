"""Write what lists and searches need from a workflow into plain indexed rows.

Called by every step before it flushes: ready human tasks (with group, assignee, due date,
priority), the messages the instance waits for (with correlation values) and its next timer.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.base import EventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import PendingBpmnEvent
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import JSON, BindParameter, CompoundSelect, ScalarSelect, bindparam, delete, null, select, union_all
from sqlalchemy import event as orm_events
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, SessionTransaction, lazyload
from sqlalchemy.sql.functions import FunctionElement

from engine import audit
from engine.db import db
from engine.deadlines import clock
from engine.deadlines.holidays import Calendar, city_calendar
from engine.errors import DataInvalid
from engine.models import Instance, Subscription, Task
from engine.workflow.business_timers import move_staff_timers
from engine.workflow.correlation import by_retrieval_expression, waiting_values
from engine.workflow.tasks import applicant_lane, describe, is_human, task_properties

KEY_LENGTH = 500  # Subscription.correlation_key's length
#: How deep lists and objects may nest in a case's data (forms nest a few levels; deeper is an attack).
MAX_DATA_DEPTH = 32
TOO_DEEP = f"Los datos están anidados en más de {MAX_DATA_DEPTH} niveles de listas u objetos."


def sync(instance: Instance, workflow: BpmnWorkflow, now: datetime, timezone: str,
         *, indexed: bool = True) -> list[tuple[str, str]]:
    """Bring the instance's index rows in line with its workflow, writing only what changed.

    The current rows are read once per table, without flushing: the step's changes reach the
    database together in the caller's flush.

    :param timezone: the city's zone for business-day due dates (the ``TIMEZONE`` setting).
    :param indexed: ``False`` for a case being started, which has no rows to read yet.
    :return: the messages the instance now waits for, as ``(name, correlation key)``.
    """
    events = pending_events(workflow)
    with db.session.no_autoflush:
        ready_ids, subscriptions = (_prefetched(instance.id) or _indexed(instance.id)) if indexed else ([], [])
        timers_moved = _sync_tasks(instance, workflow, now, ready_ids, _LazyCalendar(timezone))
        awaited = _sync_subscriptions(instance, workflow, events, subscriptions)
    # A pause that ended moved business-day timers: their due times are read again.
    instance.next_timer_at = _next_timer(pending_events(workflow) if timers_moved else events)
    return awaited


def _indexed(instance_id: str) -> IndexRows:
    """The ids of the instance's ready task rows and its subscription rows, in one query."""
    ready_ids: list[str] = []
    subscriptions: list[tuple[int, str, str]] = []
    for row_id, name, key, task_id in db.session.execute(_indexed_query(), {"instance_id": instance_id}):
        if task_id is not None:
            ready_ids.append(task_id)
        else:
            subscriptions.append((row_id, name, key))
    return ready_ids, subscriptions


IndexRows = tuple[list[str], list[tuple[int, str, str]]]
_PREFETCHED = "tramites.index.prefetched"


class _JsonRows(FunctionElement[Any]):
    """``json_agg(json_build_array(…))`` on PostgreSQL, ``json_group_array(json_array(…))`` on SQLite."""

    inherit_cache = True
    type = JSON()


@compiles(_JsonRows, "postgresql")
def _json_rows_postgresql(element: _JsonRows, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(_JsonRows, "sqlite")
def _json_rows_sqlite(element: _JsonRows, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


def index_columns() -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """Two columns to select beside a task: its case's ready task ids and subscription rows, as JSON.

    A completion loads its task with them (:func:`remember`), so that the step's :func:`sync`
    reads no index rows of its own: one statement less on every completion.
    """
    ready = select(_JsonRows(_READY.c.id)).where(_READY.c.instance_id == Task.instance_id,
                                                 _READY.c.status == "ready").scalar_subquery()
    subscriptions = select(_JsonRows(Subscription.id, Subscription.message_name, Subscription.correlation_key)) \
        .where(Subscription.instance_id == Task.instance_id).scalar_subquery()
    return ready, subscriptions


_READY = Task.__table__.alias("ready_tasks")


def remember(instance_id: str, ready: Any, subscriptions: Any) -> None:
    """Keep the index rows read with a task (:func:`index_columns`) for this transaction's next step."""
    ready_ids = [str(row[0]) for row in _json_list(ready)]
    rows = [(int(row_id), name, key) for row_id, name, key in _json_list(subscriptions)]
    db.session.info.setdefault(_PREFETCHED, {})[instance_id] = (ready_ids, rows)


def _json_list(value: Any) -> list[Any]:
    """An aggregate's value: a list from psycopg, JSON text from SQLite, ``None`` over no rows."""
    if value is None:
        return []
    return list(json.loads(value) if isinstance(value, str) else value)


def _prefetched(instance_id: str) -> IndexRows | None:
    """The rows :func:`remember` kept for the instance, once (a later step reads them again)."""
    kept: dict[str, IndexRows] = db.session.info.get(_PREFETCHED, {})
    return kept.pop(instance_id, None)


@orm_events.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rows read in a transaction are not trusted in the next
        session.info.pop(_PREFETCHED, None)


@cache
def _indexed_query() -> CompoundSelect[Any]:
    """Built once: every step runs it, and building the expression costs more than running it."""
    instance_id: BindParameter[str] = bindparam("instance_id")
    return union_all(
        select(Subscription.id, Subscription.message_name, Subscription.correlation_key, null().label("task_id"))
        .where(Subscription.instance_id == instance_id),
        select(null(), null(), null(), Task.id).where(Task.instance_id == instance_id, Task.status == "ready"),
    )


def _ready_human_tasks(workflow: BpmnWorkflow) -> list[Any]:
    found: list[Any] = []
    for wf in [workflow, *workflow.subprocesses.values()]:
        found.extend(t for t in wf.tasks.values() if t.has_state(TaskState.READY) and is_human(t))
    return found


class _LazyCalendar:
    """The city's calendar, read (holidays from their cache) only when a step needs it."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self._calendar: Calendar | None = None

    def __call__(self) -> Calendar:
        if self._calendar is None:
            self._calendar = city_calendar(self.timezone)
        return self._calendar


def _sync_tasks(instance: Instance, workflow: BpmnWorkflow, now: datetime, indexed: list[str],
                calendar: _LazyCalendar) -> bool:
    """Cancel the rows of tasks gone, run the case's clock, add the rows of new tasks.

    The clock resumes when the last applicant task leaves (before new staff tasks are added,
    whose due dates start from now) and pauses when an applicant task becomes ready.

    :return: whether resuming the clock moved business-day timers.
    """
    ready = {str(t.id): t for t in _ready_human_tasks(workflow)}
    applicant_left = False
    for task_id in indexed:
        if task_id not in ready:
            applicant_left |= _leave(instance, task_id, now)
    known = set(indexed)
    moved = 0
    if applicant_left and not any(applicant_lane(t.task_spec) for t in ready.values()):
        days = clock.resume(instance, now, calendar())
        if days:
            staff = [t for task_id, t in ready.items() if task_id in known and not applicant_lane(t.task_spec)]
            moved = move_staff_timers(staff, days, calendar())
    for task_id, task in ready.items():
        if task_id not in known:
            _add_task(instance, task, now, calendar)
    return moved > 0


def _leave(instance: Instance, task_id: str, now: datetime) -> bool:
    """Mark a row whose task left the READY state without being completed by a person (interrupted, cancelled).

    :return: whether the task was the applicant's (completed or cancelled).
    """
    row = db.session.get(Task, task_id, options=[lazyload(Task.instance)])
    if row is None:
        return False
    if row.status != "ready":  # completed by this very step (not flushed yet)
        return row.for_applicant
    row.status = "cancelled"
    row.completed_at = now
    audit.record("task_cancelled", "sistema", instance_id=instance.id, task_id=task_id, element_id=row.element_id)
    return row.for_applicant


def _add_task(instance: Instance, task: SpiffTask, now: datetime, calendar: _LazyCalendar) -> None:
    props = task_properties(task.task_spec)
    needs_calendar = bool(props.get("sla") or props.get("dueDate"))  # most tasks have no SLA: no calendar read
    info = describe(task, now, calendar() if needs_calendar else None)
    db.session.add(Task(
        id=info.id, instance_id=instance.id, process_key=instance.process_key, element_id=info.element_id,
        name=info.name, kind=info.kind, status="ready", candidate_group=info.candidate_group,
        for_applicant=info.for_applicant, assignee=instance.started_by if info.for_applicant else None,
        priority=info.priority, due_at=info.due_at, form=info.form, ui_form=info.ui_form,
        instructions=info.instructions, data=json_safe(task.data), created_at=now,
    ))
    audit.record("task_created", "sistema", instance_id=instance.id, task_id=info.id,
                 element_id=info.element_id,
                 data={"name": info.name, "group": info.candidate_group, "applicant": info.for_applicant})
    if info.for_applicant:
        clock.pause(instance, info.id, now)


PendingEvent = tuple[SpiffTask, EventDefinition, PendingBpmnEvent]


def pending_events(workflow: BpmnWorkflow) -> list[PendingEvent]:
    """Every event a waiting task can catch, with its details (due time, correlation values).

    An event-based gateway waits through one task holding a :class:`MultipleEventDefinition`
    (the library moves its targets' definitions there): it is expanded into the messages and
    timers it holds, so they are indexed like any other. Definitions are matched by class, not
    by name: the platform's clock-aware timers are subclasses of the library's.
    """
    found: list[PendingEvent] = []
    for task in list(workflow.event_manager.tasks.values()):
        definition = task.task_spec.event_definition
        parts = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
        found.extend((task, part, part.details(task)) for part in parts)
    return found


def event_subprocess_messages(workflow: BpmnWorkflow) -> list[MessageEventDefinition]:
    """Messages that start an event sub-process of the running top process.

    No task waits for them (the library creates the sub-process when the event arrives), so
    they are listed from the spec: the instance must be found by them all the same.
    """
    if workflow.completed:
        return []
    found = []
    for name in getattr(workflow.spec.start, "trigger_specs", []):
        sp_spec = workflow.subprocess_specs.get(name)
        for start in getattr(sp_spec, "bpmn_start_events", []):
            if isinstance(start.event_definition, MessageEventDefinition):
                found.append(start.event_definition)
    return found


def _sync_subscriptions(instance: Instance, workflow: BpmnWorkflow, events: list[PendingEvent],
                        rows: list[tuple[int, str, str]]) -> list[tuple[str, str]]:
    """Delete the rows of messages no longer awaited and add the new ones; unchanged rows stay.

    A row is unchanged when its message and canonical key are the same (a key cut at its
    maximum length is not trusted to be the same values: such a row is written again).

    :return: every message awaited, as ``(name, correlation key)``.
    """
    waiting = [_awaited(task, definition, event)
               for task, definition, event in events if isinstance(definition, MessageEventDefinition)]
    waiting += [(definition.name, definition.correlation_properties, workflow.correlations)
                for definition in event_subprocess_messages(workflow)]
    wanted = []
    for name, properties, correlations in waiting:
        correlation = flat_correlation(properties, correlations)
        wanted.append((name, correlation_key(correlation), correlation))
    awaited = [(name, key) for name, key, _correlation in wanted]
    gone = []
    for row_id, name, key in rows:
        match = next((w for w in wanted if w[0] == name and w[1] == key and len(key) < KEY_LENGTH), None)
        if match is None:
            gone.append(row_id)
        else:
            wanted.remove(match)
    if gone:
        db.session.execute(delete(Subscription).where(Subscription.id.in_(gone)))
    for name, key, correlation in wanted:
        db.session.add(Subscription(instance_id=instance.id, message_name=name, correlation=correlation,
                                    correlation_key=key))
    return awaited


def _awaited(task: SpiffTask, definition: MessageEventDefinition,
             event: PendingBpmnEvent) -> tuple[str, list[Any], dict[str, dict[str, Any]]]:
    """A waiting message's name, correlation properties and the values it expects.

    Without ``processVariableCorrelation`` the values come from the message's retrieval
    expressions evaluated against the case's data (see :mod:`engine.workflow.correlation`).
    """
    if by_retrieval_expression(definition):
        return definition.name, definition.correlation_properties, waiting_values(task, definition)
    return event.name, event.value or [], event.correlations or {}


def flat_correlation(properties: list[Any], correlations: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The values the instance holds for the message's correlation properties, by property name."""
    flat: dict[str, Any] = {}
    for prop in properties:
        for key in prop.correlation_keys:
            if prop.name in correlations.get(key, {}):
                flat[prop.name] = correlations[key][prop.name]
    return flat


def correlation_key(correlation: dict[str, Any]) -> str:
    """Canonical text of correlation values: equal values give equal keys."""
    return json.dumps(json_safe(correlation), sort_keys=True, separators=(",", ":"))[:KEY_LENGTH]


def _next_timer(events: list[PendingEvent]) -> datetime | None:
    due = []
    for _task, definition, event in events:
        if isinstance(definition, TimerEventDefinition) and isinstance(event.value, str):
            try:
                when = datetime.fromisoformat(event.value)
            except ValueError:
                continue
            due.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return min(due) if due else None


def json_safe(value: Any, _depth: int = 0) -> Any:
    """Task data as plain JSON types (dates as ISO text, decimals as strings).

    :raises DataInvalid: when lists and objects nest deeper than :data:`MAX_DATA_DEPTH`.
    """
    if isinstance(value, dict | list | tuple | set) and _depth >= MAX_DATA_DEPTH:
        raise DataInvalid(TOO_DEEP)
    if isinstance(value, dict):
        return {str(k): json_safe(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v, _depth + 1) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def too_deep(value: Any, limit: int = MAX_DATA_DEPTH) -> bool:
    """Whether lists and objects in ``value`` nest deeper than ``limit`` (counted without recursion)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple | set):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
