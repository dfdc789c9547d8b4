"""JSON Schema validation problems as short Spanish sentences, for staff and analysts.

Shared by the registry (parameters and results of operations) and by any connector that
validates data of its own. Values are never echoed: they may be personal data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

_TYPES = {"object": "un objeto", "array": "una lista", "string": "un texto", "integer": "un número entero",
          "number": "un número", "boolean": "verdadero o falso", "null": "nulo"}
_BOUNDS = {"minimum": "mayor o igual que", "maximum": "menor o igual que",
           "exclusiveMinimum": "mayor que", "exclusiveMaximum": "menor que"}


def describe_errors(errors: Iterable[ValidationError]) -> list[str]:
    """Describe validation errors as ``"<place>: <problem>"``, sorted by place, without repeats.

    :param errors: what ``validator.iter_errors(instance)`` yields.
    :return: one Spanish sentence per error; keywords without a translation keep
        jsonschema's English message.
    """
    ordered = sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])
    # jsonschema reports one "required" error per missing name, each of which we already
    # describe with every missing name: keep each sentence once.
    return list(dict.fromkeys(f"{place(e)}: {explain(e)}" for e in ordered))


def place(error: ValidationError) -> str:
    """Return the dotted path of the offending value, ``(raíz)`` for the whole document."""
    return ".".join(str(p) for p in error.absolute_path) or "(raíz)"


def explain(error: ValidationError) -> str:
    """Return what is wrong with the value, in Spanish."""
    keyword = str(error.validator)
    describe = _EXPLAIN.get(keyword)
    return describe(error) if describe else str(error.message)


def _required(error: ValidationError) -> str:
    instance = error.instance if isinstance(error.instance, dict) else {}
    return "falta " + ", ".join(f"«{name}»" for name in error.validator_value if name not in instance)


def _additional(error: ValidationError) -> str:
    known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
    extra = sorted(k for k in error.instance if k not in known) if isinstance(error.instance, dict) else []
    return "campos no admitidos: " + ", ".join(extra)


def _type(error: ValidationError) -> str:
    value = error.validator_value
    kinds = [value] if isinstance(value, str) else list(value)
    return "debe ser " + " o ".join(_TYPES.get(k, k) for k in kinds)


def _size(error: ValidationError) -> str:
    keyword = str(error.validator)
    bound = "al menos" if keyword.startswith("min") else "a lo sumo"
    unit = "caracteres" if keyword.endswith("Length") else "elementos"
    return f"debe tener {bound} {error.validator_value} {unit}"


def _alternatives(error: ValidationError) -> str:
    if not error.context:
        return "cumple más de una de las alternativas excluyentes"
    reasons = sorted({explain(c) for c in error.context})
    return "no cumple ninguna de las alternativas admitidas (" + "; ".join(reasons) + ")"


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


_EXPLAIN: dict[str, Callable[[ValidationError], str]] = {
    "required": _required,
    "additionalProperties": _additional,
    "type": _type,
    "pattern": lambda e: f"no tiene el formato esperado ({e.validator_value})",
    "format": lambda e: f"no es un valor válido de formato {e.validator_value}",
    "enum": lambda e: "debe ser uno de: " + ", ".join(_literal(v) for v in e.validator_value),
    "const": lambda e: "debe ser " + _literal(e.validator_value),
    "minLength": _size,
    "maxLength": _size,
    "minItems": _size,
    "maxItems": _size,
    "oneOf": _alternatives,
    "anyOf": _alternatives,
    **{k: (lambda e: f"debe ser {_BOUNDS[str(e.validator)]} {e.validator_value}") for k in _BOUNDS},
}
