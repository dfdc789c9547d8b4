"""Deliver a message to the instances that wait for it, or start the process that catches it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from sqlalchemy import select

from engine import audit
from engine.casefile import expediente
from engine.db import db
from engine.errors import NotFound
from engine.models import Deployment, Instance, Subscription
from engine.workflow import deployments
from engine.workflow.indexing import correlation_key, event_subprocess_messages, json_safe, pending_events
from engine.workflow.instances import start_deployment
from engine.workflow.step import EngineContext, Step


def deliver(ctx: EngineContext, name: str, correlation: dict[str, Any], data: dict[str, Any],
            actor: str) -> tuple[list[Instance], bool]:
    """Correlate a message; return the instances it reached and whether it started one.

    :raises NotFound: when no instance waits for it and no start event catches it.
    """
    payload = {**json_safe(data), **json_safe(correlation)}
    reached = []
    for instance in _waiting(name, correlation):
        step = Step(instance, ctx, actor)
        event = _event_for(step, name, payload)
        # Caught as an external event: a message nobody catches must not be kept as an outgoing one.
        if event is None or step.workflow.event_manager.catch(event, internal=False) == 0:
            continue
        audit.record("message_received", actor, instance_id=instance.id,
                     data={"name": name, "correlation": correlation, "data": data})
        step.run()
        reached.append(step.save())
    if reached:
        return reached, False
    deployment = _starter(name)
    if deployment is None:
        raise NotFound(f"Ninguna instancia espera el mensaje «{name}» con esa correlación y ningún proceso "
                       "empieza con él.")
    instance = start_deployment(ctx, deployment, {}, actor, event=_start_event(deployment, name, payload))
    audit.record("message_received", actor, instance_id=instance.id,
                 data={"name": name, "correlation": correlation, "data": data, "started": True})
    return [instance], True


def dispatch_thrown(ctx: EngineContext, events: list[BpmnEvent], actor: str,
                    sender: Instance | None = None) -> list[Instance]:
    """Deliver the messages an instance threw and did not catch itself (``workflow.get_events()``).

    Each reaches the instances waiting for it with the same correlation, or starts the process
    that begins with it; a message nobody expects is recorded and dropped, never an error of
    the sender's step. The sender's documents the payload refers to (a supplier's quote) join
    the expediente of each case the message reached.
    """
    reached: list[Instance] = []
    for event in events:
        definition = event.event_definition
        if not isinstance(definition, MessageEventDefinition):
            continue
        correlation = {name: value for values in (event.correlations or {}).values() for name, value in values.items()}
        payload = event.payload if isinstance(event.payload, dict) else {"valor": event.payload}
        try:
            found, _started = deliver(ctx, definition.name, correlation, payload, actor)
        except NotFound:
            audit.record("message_dropped", actor,
                         data={"name": definition.name, "correlation": json_safe(correlation)})
            continue
        if sender is not None:
            for target in found:
                expediente.carry_documents(sender, target.id, payload, actor)
        reached.extend(found)
    return reached


def _waiting(name: str, correlation: dict[str, Any]) -> Iterator[Instance]:
    key = correlation_key(correlation)
    ids = db.session.scalars(
        select(Subscription.instance_id).where(Subscription.message_name == name,
                                               Subscription.correlation_key == key).distinct())
    for instance_id in list(ids):
        instance = db.session.get(Instance, instance_id)
        if instance is not None and instance.status not in ("suspended", "completed", "terminated"):
            yield instance


def _event_for(step: Step, name: str, payload: dict[str, Any]) -> BpmnEvent | None:
    """The message event for the first waiting definition named ``name`` (also inside event gateways),
    or else for the message start of an event sub-process."""
    waiting = [definition for _task, definition, _details in pending_events(step.workflow)]
    for definition in [*waiting, *event_subprocess_messages(step.workflow)]:
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            engine = step.workflow.script_engine
            correlations = definition.calculate_correlations(engine, definition.correlation_properties, payload)
            return BpmnEvent(definition, payload=payload, correlations=correlations)
    return None


def _starter(name: str) -> Deployment | None:
    for deployment in deployments.catalogue():
        if name in (deployment.manifest or {}).get("message_starts", []):
            return deployment
    return None


def _start_event(deployment: Deployment, name: str, payload: dict[str, Any]) -> BpmnEvent:
    from engine.workflow.spiff import SPECS

    spec, subprocess_specs = SPECS.get(deployment.id, deployment.spec)
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return BpmnEvent(definition, payload=payload, correlations={})
    raise NotFound(f"El proceso «{deployment.key}» no tiene un evento de inicio para «{name}».")
