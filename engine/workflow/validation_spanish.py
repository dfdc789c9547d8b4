"""The SpiffWorkflow parser's English messages that still reach analysts, said in Spanish.

The pre-checks (validation_bpmn, validation_dmn, validation_timers) catch most faults before
the library sees them; these are the ones left to it. A message not listed passes unchanged.
"""

from __future__ import annotations

import re

_PAIRS = [
    (r"Multiple outgoing flows are not supported for tasks of type.*",
     "Una tarea no puede tener varios flujos de salida: use una compuerta (paralela o exclusiva) para dividir."),
    (r"Non-default exclusive outgoing sequence flow without condition.*",
     "Un flujo que sale de una compuerta exclusiva necesita una condición, o ser el flujo por defecto."),
    (r"No start event found.*", "El proceso no tiene evento de inicio."),
    (r"Invalid Script Task\.\s+No Script Provided\..*", "La tarea de guion no tiene guion."),
    (r"A Service Task must have an operator.*",
     "La tarea de servicio no dice qué operación llama (spiffworkflow:serviceTaskOperator)."),
    (r"Duplicate process ID: (\S+).*", r"Hay dos procesos con el id «\1»."),
    (r"Could not find messageRef from message event definition: (\S+).*",
     r"La definición de mensaje «\1» no dice qué mensaje espera (messageRef)."),
    (r"No DMN Diagram available with id \"?([^\",]+)\"?.*", r"Ningún archivo .dmn define la decisión «\1»."),
    (r"Conditional event definition with missing condition.*", "El evento condicional no tiene condición."),
    (r"Exactly one start event is required in a SubWorkflow Task; found (\d+).*",
     r"Un subproceso necesita exactamente un evento de inicio (tiene \1)."),
    (r"A SubWorkflow Must contain an End event.*", "Un subproceso necesita un evento de fin."),
    (r"Multiple decision tables are not current supported.*", "Una decisión admite una sola tabla."),
    (r"No decisions found.*", "El archivo .dmn no tiene ninguna decisión."),
    (r"There is no support implemented for this task type.*", "El motor no admite este tipo de tarea."),
    (r"Unknown Time Specification.*|Time Specification Error.*",
     "El temporizador no tiene duración, fecha ni repetición (timeDuration, timeDate o timeCycle)."),
]
_TRANSLATIONS = [(re.compile(pattern, re.IGNORECASE), spanish) for pattern, spanish in _PAIRS]


def spanish(message: str) -> str:
    """The Spanish version of a library message when it is a known one, else the message itself."""
    for pattern, translation in _TRANSLATIONS:
        if pattern.match(message.strip()):
            return pattern.sub(translation, message.strip(), count=1)
    return message
