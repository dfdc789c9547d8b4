"""The Spanish (es-AR) messages a person reads when a value does not fit its field."""

from __future__ import annotations

import json
from typing import Any

REQUIRED = "Este campo es obligatorio."
NOT_ALLOWED = "Este campo no está permitido."
INVALID = "El valor no es válido."
CHOOSE_OPTION = "Elija una de las opciones permitidas."
AMBIGUOUS = "Los datos coinciden con más de una alternativa; revíselos."

TYPE_NAMES = {
    "string": "texto",
    "integer": "un número entero",
    "number": "un número",
    "boolean": "sí o no",
    "array": "una lista",
    "object": "un grupo de datos",
    "null": "vacío",
}

FORMATS = {
    "email": "Ingrese una dirección de correo válida.",
    "uri": "Ingrese una dirección web válida (por ejemplo, https://www.smt.gob.ar).",
    "date": "Ingrese una fecha válida (AAAA-MM-DD).",
    "date-time": "Ingrese una fecha y hora válidas.",
    "time": "Ingrese una hora válida (HH:MM).",
    "documento": "Adjunte un archivo válido.",
    "data-url": "Adjunte un archivo válido.",
    "moneda": "Ingrese un importe en pesos con hasta dos decimales.",
}


def number(value: Any) -> str:
    """A number as people here write it (decimal comma)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def plural(count: Any, one: str, many: str) -> str:
    return f"{number(count)} {one if count == 1 else many}"


def display(value: Any) -> str:
    """A JSON value in words, for messages and option labels."""
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if value is None:
        return "(vacío)"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def type_message(expected: Any, instance: Any) -> str:
    if instance is None:
        return REQUIRED
    kinds = [expected] if isinstance(expected, str) else list(expected)
    names = [TYPE_NAMES.get(k, k) for k in kinds if k != "null"] or ["vacío"]
    return f"Debe ser {' o '.join(names)}."


def _format(value: Any) -> str:
    return FORMATS.get(value, f"El valor no tiene el formato «{value}».")


def _const(value: Any) -> str:
    if isinstance(value, dict | list):
        return "El valor no es el permitido."
    return f"El valor debe ser «{display(value)}»."


SIMPLE = {
    "minLength": lambda n: f"Debe tener al menos {plural(n, 'carácter', 'caracteres')}.",
    "maxLength": lambda n: f"Debe tener como máximo {plural(n, 'carácter', 'caracteres')}.",
    "pattern": lambda _: "No tiene el formato esperado.",
    "minimum": lambda n: f"Debe ser mayor o igual a {number(n)}.",
    "maximum": lambda n: f"Debe ser menor o igual a {number(n)}.",
    "exclusiveMinimum": lambda n: f"Debe ser mayor que {number(n)}.",
    "exclusiveMaximum": lambda n: f"Debe ser menor que {number(n)}.",
    "multipleOf": lambda n: f"Debe ser múltiplo de {number(n)}.",
    "enum": lambda _: CHOOSE_OPTION,
    "const": _const,
    "minItems": lambda n: f"Agregue al menos {plural(n, 'elemento', 'elementos')}.",
    "maxItems": lambda n: f"Puede tener como máximo {plural(n, 'elemento', 'elementos')}.",
    "uniqueItems": lambda _: "Hay elementos repetidos; cada uno debe ser distinto.",
    "minProperties": lambda n: f"Complete al menos {plural(n, 'campo', 'campos')}.",
    "maxProperties": lambda n: f"Puede tener como máximo {plural(n, 'campo', 'campos')}.",
    "contains": lambda _: "La lista debe incluir al menos un elemento válido.",
    "minContains": lambda n: f"La lista debe incluir al menos {plural(n, 'elemento válido', 'elementos válidos')}.",
    "maxContains": lambda n: f"La lista puede incluir como máximo {plural(n, 'elemento', 'elementos')} así.",
    "not": lambda _: "El valor no está permitido.",
    "format": _format,
    "unevaluatedProperties": lambda _: "Hay campos que no están permitidos.",
    "unevaluatedItems": lambda _: "Hay elementos que no están permitidos.",
}


def describe(keyword: str | None, expected: Any, instance: Any) -> str:
    """The message for a failed ``keyword`` whose schema value is ``expected``."""
    if keyword == "type":
        return type_message(expected, instance)
    if keyword is None:
        return NOT_ALLOWED
    found = SIMPLE.get(keyword)
    return found(expected) if found else INVALID
