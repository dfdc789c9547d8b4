"""Write what lists and searches need from a workflow into plain indexed rows.

Called by every step before it flushes: ready human tasks (with group, assignee, due date,
priority), the messages the instance waits for (with correlation values) and its next timer.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.base import EventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import PendingBpmnEvent
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select

from engine import audit
from engine.db import db
from engine.models import Instance, Subscription, Task
from engine.tasks import describe, is_human


def sync(instance: Instance, workflow: BpmnWorkflow, now: datetime) -> None:
    """Bring the instance's index rows in line with its workflow."""
    _sync_tasks(instance, workflow, now)
    _sync_subscriptions(instance, workflow)
    instance.next_timer_at = _next_timer(workflow)


def _ready_human_tasks(workflow: BpmnWorkflow) -> list[Any]:
    found: list[Any] = []
    for wf in [workflow, *workflow.subprocesses.values()]:
        found.extend(t for t in wf.tasks.values() if t.has_state(TaskState.READY) and is_human(t))
    return found


def _sync_tasks(instance: Instance, workflow: BpmnWorkflow, now: datetime) -> None:
    ready = {str(t.id): t for t in _ready_human_tasks(workflow)}
    rows = {row.id: row for row in db.session.scalars(
        select(Task).where(Task.instance_id == instance.id, Task.status == "ready"))}
    for task_id, row in rows.items():
        if task_id not in ready:
            # Left the READY state without being completed by a person: interrupted or cancelled.
            row.status = "cancelled"
            row.completed_at = now
            audit.record("task_cancelled", "sistema", instance_id=instance.id, task_id=task_id,
                         element_id=row.element_id)
    for task_id, task in ready.items():
        if task_id in rows:
            continue
        info = describe(task, now)
        db.session.add(Task(
            id=info.id, instance_id=instance.id, process_key=instance.process_key, element_id=info.element_id,
            name=info.name, kind=info.kind, status="ready", candidate_group=info.candidate_group,
            for_applicant=info.for_applicant, assignee=instance.started_by if info.for_applicant else None,
            priority=info.priority, due_at=info.due_at, form=info.form, ui_form=info.ui_form,
            instructions=info.instructions, data=json_safe(task.data), created_at=now,
        ))
        audit.record("task_created", "sistema", instance_id=instance.id, task_id=task_id,
                     element_id=info.element_id,
                     data={"name": info.name, "group": info.candidate_group, "applicant": info.for_applicant})


def pending_events(workflow: BpmnWorkflow) -> list[tuple[SpiffTask, EventDefinition, PendingBpmnEvent]]:
    """Every event a waiting task can catch, with its details (due time, correlation values).

    An event-based gateway waits through one task holding a :class:`MultipleEventDefinition`
    (the library moves its targets' definitions there): it is expanded into the messages and
    timers it holds, so they are indexed like any other. Definitions are matched by class, not
    by name: the platform's clock-aware timers are subclasses of the library's.
    """
    found: list[tuple[SpiffTask, EventDefinition, PendingBpmnEvent]] = []
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


def _sync_subscriptions(instance: Instance, workflow: BpmnWorkflow) -> None:
    db.session.execute(delete(Subscription).where(Subscription.instance_id == instance.id))
    waiting = [(event.name, event.value or [], event.correlations or {})
               for _task, definition, event in pending_events(workflow)
               if isinstance(definition, MessageEventDefinition)]
    waiting += [(definition.name, definition.correlation_properties, workflow.correlations)
                for definition in event_subprocess_messages(workflow)]
    for name, properties, correlations in waiting:
        correlation = flat_correlation(properties, correlations)
        db.session.add(Subscription(instance_id=instance.id, message_name=name, correlation=correlation,
                                    correlation_key=correlation_key(correlation)))


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
    return json.dumps(json_safe(correlation), sort_keys=True, separators=(",", ":"))[:500]


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    due = []
    for _task, definition, event in pending_events(workflow):
        if isinstance(definition, TimerEventDefinition) and isinstance(event.value, str):
            try:
                when = datetime.fromisoformat(event.value)
            except ValueError:
                continue
            due.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return min(due) if due else None


def json_safe(value: Any) -> Any:
    """Task data as plain JSON types (dates as ISO text, decimals as strings)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
