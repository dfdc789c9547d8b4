"""Correlation values of a message, on the side that waits and on the side that sends.

A message's ``correlationProperty`` has a ``correlationPropertyRetrievalExpression`` (standard
BPMN). The library evaluates it against the payload of a message sent or caught; for the side
that waits it only knows ``spiffworkflow:processVariableCorrelation``. A model that uses the
standard expressions alone would wait with no values, and receive either no message or every
message of that name. So, when a waiting message has no process-variable correlation, the
retrieval expressions are evaluated against the waiting case's data: the expression names the
case variable that holds the value, as it names the payload field on the sender's side.
"""

from __future__ import annotations

import keyword
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.task import Task as SpiffTask


def by_retrieval_expression(definition: MessageEventDefinition) -> bool:
    """Whether the waiting side must evaluate the message's own retrieval expressions."""
    return bool(definition.correlation_properties) and not getattr(definition, "process_correlations", None)


def waiting_values(task: SpiffTask, definition: MessageEventDefinition) -> dict[str, dict[str, Any]]:
    """The correlation values a waiting task expects, by correlation key and property name.

    A property whose expression cannot be evaluated against the case's data (the variable does
    not exist yet) keeps the value the instance already holds from an earlier message, or else
    ``None``: the subscription then matches no ordinary message, instead of matching them all.
    """
    environment = task.workflow.script_engine.environment
    known = task.workflow.correlations
    values: dict[str, dict[str, Any]] = {}
    for prop in definition.correlation_properties:
        found, value = _evaluated(environment, prop.retrieval_expression, task.data)
        if not found:
            value = next((known[key][prop.name] for key in prop.correlation_keys
                          if prop.name in known.get(key, {})), None)
        for key in prop.correlation_keys:
            values.setdefault(key, {})[prop.name] = value
    return values


def sent_values(definition: MessageEventDefinition, environment: Any, given: dict[str, Any],
                payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The correlation values of a message received, by correlation key and property name.

    The sender's values (by property name) routed it and win; a property the sender did not
    give is evaluated against the payload, as the library does. A property neither gives is
    left out (the library would raise ``NameError`` inside ``catch``).
    """
    values: dict[str, dict[str, Any]] = {}
    for prop in definition.correlation_properties:
        if prop.name in given:
            value = given[prop.name]
        else:
            found, value = _evaluated(environment, prop.retrieval_expression, payload)
            if not found:  # a payload without the field: the property is simply not sent
                continue
        for key in prop.correlation_keys:
            values.setdefault(key, {})[prop.name] = value
    return values


def _evaluated(environment: Any, expression: str, context: dict[str, Any]) -> tuple[bool, Any]:
    """``(True, value)``, or ``(False, None)`` when the expression cannot be evaluated on that context."""
    try:
        return True, environment.evaluate(expression, dict(context))
    except Exception:  # analysts' expression on data that may lack its variable: "no value", not an error
        return False, None


def with_named_fields(definition: MessageEventDefinition, given: dict[str, Any],
                      payload: dict[str, Any]) -> dict[str, Any]:
    """The payload, plus each sender's value under the variable its retrieval expression names.

    The library evaluates the retrieval expressions against the payload when it catches a
    message; a sender gives values by property name (``{"expediente": "EX-1"}``) while the
    expression may read another name (``numero_expediente``). A plain-name expression missing
    from the payload gets the sender's value, so the catch reads what routed the message.
    """
    completed = dict(payload)
    for prop in definition.correlation_properties:
        name = (prop.retrieval_expression or "").strip()
        if prop.name in given and name.isidentifier() and not keyword.iskeyword(name) and name not in completed:
            completed[name] = given[prop.name]
    return completed
