"""Validation with jsonschema, reported as ``{json_pointer: [messages in Spanish]}``.

Each message sits where a person can fix it: a missing required field at the field's own
pointer (``/titular/documento``), a failed alternative at the fields of the alternative
that fits the data best (or the one the person chose), a name not allowed at the object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

from forms.compiled import CompiledSchema, compile_schema
from forms.merge import as_schema
from forms.messages import AMBIGUOUS, CHOOSE_OPTION, NOT_ALLOWED, REQUIRED, describe
from forms.naming import from_path, join
from forms.resolve import choose, options_of

Errors = dict[str, list[str]]


def validate(schema: Any, data: Any, choices: Mapping[str, int] | None = None) -> Errors:
    """Validate ``data``; an empty mapping means it is valid (``""`` is the root's pointer).

    ``choices`` are the alternatives the person picked (:func:`forms.read_choices`), so
    errors refer to the fields on screen.
    """
    c = compile_schema(schema)
    found: Errors = {}
    for error in c.validator.iter_errors(data):
        for pointer, message in _explain(c, error, choices or {}):
            messages = found.setdefault(pointer, [])
            if message not in messages:
                messages.append(message)
    return found


def _explain(c: CompiledSchema, error: ValidationError, choices: Mapping[str, int]) -> Iterator[tuple[str, str]]:
    pointer = from_path(error.absolute_path)
    keyword = error.validator
    if "propertyNames" in error.absolute_schema_path:
        yield pointer, f"El nombre «{error.instance}» no está permitido."
    elif keyword == "required":
        yield from ((join(pointer, n), REQUIRED) for n in _missing(error.validator_value, error.instance))
    elif keyword in ("dependentRequired", "dependencies"):
        yield from ((join(pointer, n), REQUIRED) for n in _missing_dependencies(error.validator_value, error.instance))
    elif keyword in ("anyOf", "oneOf"):
        yield from _alternative(c, error, pointer, choices)
    elif keyword == "additionalProperties" and error.validator_value is False:
        yield from ((join(pointer, n), NOT_ALLOWED) for n in _extra_names(error.schema, error.instance))
    else:
        yield pointer, describe(str(keyword) if keyword else None, error.validator_value, error.instance)


def _missing(required: Any, instance: Any) -> list[str]:
    if not isinstance(instance, dict):
        return []
    return [n for n in required if isinstance(n, str) and n not in instance]


def _missing_dependencies(dependencies: Any, instance: Any) -> list[str]:
    if not isinstance(instance, dict):
        return []
    missing: list[str] = []
    for name, needed in dependencies.items():
        if name in instance and isinstance(needed, list):
            missing += [n for n in needed if n not in instance and n not in missing]
    return missing


def _extra_names(schema: Mapping[str, Any], instance: Any) -> list[str]:
    declared = as_schema(schema.get("properties"))
    patterns = list(as_schema(schema.get("patternProperties")))
    return [n for n in instance if n not in declared and not any(re.search(p, n) for p in patterns)]


def _alternative(c: CompiledSchema, error: ValidationError, pointer: str,
                 choices: Mapping[str, int]) -> Iterator[tuple[str, str]]:
    branches = error.validator_value
    if options_of(c, {str(error.validator): branches}) is not None:
        yield pointer, CHOOSE_OPTION
        return
    if not error.context:
        yield pointer, AMBIGUOUS
        return
    index = choices.get(pointer)
    if not isinstance(index, int) or not 0 <= index < len(branches):
        index = choose(c, branches, error.instance)
    chosen = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == index]
    for sub in chosen or error.context:
        yield from _explain(c, sub, choices)
