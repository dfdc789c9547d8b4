"""Deliver a message to the instances that wait for it, start the process that catches it, or keep
it for the case that will wait for it (a message sent with a time-to-live, :mod:`engine.workflow.buffer`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from sqlalchemy import select

from engine import audit
from engine.casefile import expediente
from engine.db import db
from engine.errors import DataInvalid, NotFound
from engine.models import Deployment, Instance, Subscription
from engine.workflow import buffer, deployments
from engine.workflow.buffer import BufferedMessage
from engine.workflow.correlation import sent_values, with_named_fields
from engine.workflow.indexing import correlation_key, event_subprocess_messages, json_safe, pending_events
from engine.workflow.instances import start_deployment
from engine.workflow.step import EngineContext, Step

INACTIVE = ("suspended", "completed", "terminated")


@dataclass
class Delivery:
    """What became of a message: the instances it reached, whether it started one, or where it was kept."""

    instances: list[Instance]
    started: bool
    kept: BufferedMessage | None = None


def deliver(ctx: EngineContext, name: str, correlation: dict[str, Any], data: dict[str, Any],
            actor: str, test_cases: bool | None = None) -> tuple[list[Instance], bool]:
    """Correlate a message; return the instances it reached and whether it started one.

    :param test_cases: ``None`` reaches any case; ``True`` only test cases (and never starts a
        process: the notice of a test sandbox must not open a real case); ``False`` only real ones.
    :raises NotFound: when no instance waits for it and no start event catches it.
    """
    reached = [found for instance in _waiting(name, correlation, test_cases)
               if (found := _deliver_to(ctx, instance, name, correlation, data, actor)) is not None]
    if reached:
        return reached, False
    deployment = None if test_cases else _starter(name)
    if deployment is None:
        raise NotFound(f"Ninguna instancia espera el mensaje «{name}» con esa correlación y ningún proceso "
                       "empieza con él.")
    payload = {**json_safe(data), **json_safe(correlation)}
    instance = start_deployment(ctx, deployment, {}, actor, event=_start_event(deployment, name, payload))
    audit.record("message_received", actor, instance_id=instance.id,
                 data={"name": name, "correlation": correlation, "data": data, "started": True})
    return [instance], True


def deliver_to_case(ctx: EngineContext, instance_id: str, name: str, data: dict[str, Any],
                    actor: str) -> Instance | None:
    """Deliver a message to one known case (the platform's own news for it, such as a document
    signed by all its officials); ``None`` when the case is over or does not wait for it."""
    instance = db.session.get(Instance, instance_id)
    if instance is None or instance.status in INACTIVE:
        return None
    return _deliver_to(ctx, instance, name, {}, data, actor)


def deliver_or_keep(ctx: EngineContext, name: str, correlation: dict[str, Any], data: dict[str, Any], actor: str,
                    ttl: timedelta | None = None, message_id: str | None = None) -> Delivery:
    """Correlate a message or, when nobody takes it and it has a time-to-live, keep it for its case.

    :raises NotFound: when nobody takes it and it has no time-to-live.
    """
    try:
        reached, started = deliver(ctx, name, correlation, data, actor)
    except NotFound:
        if ttl is None:
            raise
        return Delivery([], False, buffer.keep(name, correlation, data, message_id, actor, ctx.now(), ttl))
    return Delivery(reached, started)


def deliver_kept(ctx: EngineContext, instance: Instance, awaited: list[tuple[str, str]], actor: str) -> None:
    """Hand a case that now waits for messages the oldest kept one it catches (the step's hook).

    One message is handed over: the case then moves on, and the save of that step looks again
    for what the case waits for next (so several kept messages reach it one after another).
    """
    if not awaited or instance.status in (*INACTIVE, "error"):
        return
    now = ctx.now()
    for name, key in awaited:
        for message in buffer.pending(name, key, now):
            if _hand_over(ctx, message, instance):
                return


def deliver_awaited(ctx: EngineContext, message_id: str) -> Instance | None:
    """Deliver a kept message to a case that waits for it now (the background work's pass).

    The step's hook misses a message kept while the case's own step was subscribing, in
    another transaction; this pass closes that gap.
    """
    message = db.session.get(BufferedMessage, message_id)
    if message is None or message.delivered_at is not None or message.expires_at <= ctx.now():
        return None
    for instance in _waiting(message.name, message.correlation):
        if _hand_over(ctx, message, instance):
            return instance
    return None


def _hand_over(ctx: EngineContext, message: BufferedMessage, instance: Instance) -> bool:
    """Claim a kept message for the instance and deliver it; undo the claim when the case does not catch it.

    A case stopped by an incident gets it once the incident is resolved (that step's save looks again).
    """
    if instance.status == "error" or not buffer.claim(message, instance.id, ctx.now()):
        return False
    try:
        found = _deliver_to(ctx, instance, message.name, message.correlation, message.payload, message.sender,
                            kept=message.id)
    except DataInvalid:
        found = None  # the payload does not fit this case's expressions: it stays kept for another
    if found is None:
        buffer.release(message)
        return False
    return True


def _deliver_to(ctx: EngineContext, instance: Instance, name: str, correlation: dict[str, Any],
                data: dict[str, Any], actor: str, kept: str | None = None) -> Instance | None:
    """Deliver a message to one instance; ``None`` when the instance does not catch it (any more).

    :raises DataInvalid: when the payload lacks what the message's retrieval expressions read.
    """
    payload = {**json_safe(data), **json_safe(correlation)}
    step = Step(instance, ctx, actor)
    event = _event_for(step, name, correlation, payload)
    if event is None:
        return None
    try:
        # Caught as an external event: a message nobody catches must not be kept as an outgoing one.
        caught = step.workflow.event_manager.catch(event, internal=False)
    except Exception as e:  # the library evaluates the retrieval expressions on the payload while catching
        raise DataInvalid(f"El mensaje «{name}» no trae los datos que leen sus expresiones de correlación "
                          f"({type(e).__name__}: {e}).") from e
    if caught == 0:
        return None
    note: dict[str, Any] = {"name": name, "correlation": correlation, "data": data}
    if kept is not None:
        note["buffered"] = kept
    audit.record("message_received", actor, instance_id=instance.id, data=note)
    step.run()
    return step.save()


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
        except (NotFound, DataInvalid) as e:  # never an error of the sender's step
            audit.record("message_dropped", actor,
                         data={"name": definition.name, "correlation": json_safe(correlation), "reason": e.message})
            continue
        if sender is not None:
            for target in found:
                expediente.carry_documents(sender, target.id, payload, actor)
        reached.extend(found)
    return reached


def _waiting(name: str, correlation: dict[str, Any], test_cases: bool | None = None) -> Iterator[Instance]:
    """The active instances subscribed to ``name`` with this correlation (only test or only real
    cases when ``test_cases`` says so)."""
    key = correlation_key(correlation)
    ids = db.session.scalars(
        select(Subscription.instance_id).where(Subscription.message_name == name,
                                               Subscription.correlation_key == key).distinct())
    for instance_id in list(ids):
        instance = db.session.get(Instance, instance_id)
        if instance is None or instance.status in INACTIVE:
            continue
        if test_cases is None or bool(instance.is_test) == test_cases:
            yield instance


def _event_for(step: Step, name: str, correlation: dict[str, Any], payload: dict[str, Any]) -> BpmnEvent | None:
    """The message event for the first waiting definition named ``name`` (also inside event gateways),
    or else for the message start of an event sub-process.

    Its correlation values are the sender's, by property name, or else read from the payload by
    the retrieval expressions (see :mod:`engine.workflow.correlation`).
    """
    waiting = [definition for _task, definition, _details in pending_events(step.workflow)]
    for definition in [*waiting, *event_subprocess_messages(step.workflow)]:
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            environment = step.workflow.script_engine.environment
            payload = with_named_fields(definition, correlation, payload)
            return BpmnEvent(definition, payload=payload,
                             correlations=sent_values(definition, environment, correlation, payload))
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
