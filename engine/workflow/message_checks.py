"""Deploy-time checks of message events (called from :mod:`engine.workflow.validation`)."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.workflow.validation_report import Report


def uncorrelated_catch(task_spec: Any) -> list[str]:
    """A warning when a catch event (intermediate, boundary, receive task) waits for a message without correlation.

    Such an event is subscribed with no values, so any message of that name — sent for any
    case — reaches every instance waiting there. A start event is left alone: it creates the
    case, there is nothing to correlate with yet. A ``processVariableCorrelation`` alone does
    not correlate: the values are indexed by the message's correlation properties.
    """
    if not isinstance(task_spec, CatchingEvent) or isinstance(task_spec, StartEvent):
        return []
    definition = getattr(task_spec, "event_definition", None)
    if not isinstance(definition, MessageEventDefinition) or definition.correlation_properties:
        return []
    return [f"El evento espera el mensaje «{definition.name}» sin correlación: aceptaría cualquier mensaje con "
            "ese nombre, enviado para cualquier expediente. Defina para el mensaje una propiedad de correlación "
            "(«correlationProperty» con su «correlationPropertyRetrievalExpression», que nombre la variable del "
            "expediente)."]


def warn_uncorrelated_catch(task_spec: Any, file: str, element: str, report: Report) -> None:
    """Add :func:`uncorrelated_catch`'s warning, unless the element already has a problem.

    An undeclared message is reported as a problem of its event (and declared bare for the
    library, so it has no correlation): the warning would only repeat it.
    """
    if any(problem["file"] == file and problem["element"] == element for problem in report.problems):
        return
    for message in uncorrelated_catch(task_spec):
        report.warn(file, element, message)
