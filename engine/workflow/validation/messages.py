"""Deploy-time checks of message events (called from :mod:`engine.workflow.validation`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.workflow.validation.report import Report

#: The operation whose signature request the platform answers with a message to the very case.
FOR_SIGNATURE_OPERATION = "documentos/emitir_para_firma"
#: Its message when the bundle names none (``engine.signatures.porta_firma.DEFAULT_MESSAGE``).
SIGNED_MESSAGE = "documento_firmado"
#: The operation that books an appointment tied to the case: the turnero tells that very case what
#: became of it (``engine.appointments``: the desk, «Mis turnos», an office's closure).
BOOKING_OPERATION = "turnos/reservar"
APPOINTMENT_MESSAGES = frozenset({"turno_atendido", "turno_ausente", "turno_reprogramado", "turno_cancelado"})


def platform_delivered(task_specs: Iterable[Any]) -> frozenset[str]:
    """The messages the platform itself delivers to the case that asked (a document's signatures,
    the news of an appointment the case booked).

    Such a message reaches the very case that issued the document, so it needs no correlation.
    A ``mensaje`` that is not a literal cannot be known here: it is left out (the warning stays).
    """
    names: set[str] = set()
    for task_spec in task_specs:
        if getattr(task_spec, "operation_name", None) == BOOKING_OPERATION:
            names |= APPOINTMENT_MESSAGES
        if getattr(task_spec, "operation_name", None) != FOR_SIGNATURE_OPERATION:
            continue
        param = (getattr(task_spec, "operation_params", None) or {}).get("mensaje")
        if param is None:
            names.add(SIGNED_MESSAGE)
            continue
        try:
            value = ast.literal_eval(str(param.get("value", "")))
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, str) and value:
            names.add(value)
    return frozenset(names)


def uncorrelated_catch(task_spec: Any, delivered: frozenset[str] = frozenset()) -> list[str]:
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
    if definition.name in delivered:
        return []
    return [f"El evento espera el mensaje «{definition.name}» sin correlación: aceptaría cualquier mensaje con "
            "ese nombre, enviado para cualquier expediente. Defina para el mensaje una propiedad de correlación "
            "(«correlationProperty» con su «correlationPropertyRetrievalExpression», que nombre la variable del "
            "expediente)."]


def warn_uncorrelated_catch(task_spec: Any, file: str, element: str, report: Report,
                            delivered: frozenset[str] = frozenset()) -> None:
    """Add :func:`uncorrelated_catch`'s warning, unless the element already has a problem.

    An undeclared message is reported as a problem of its event (and declared bare for the
    library, so it has no correlation): the warning would only repeat it.
    """
    if any(problem["file"] == file and problem["element"] == element for problem in report.problems):
        return
    for message in uncorrelated_catch(task_spec, delivered):
        report.warn(file, element, message)
