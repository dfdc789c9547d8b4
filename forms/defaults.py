"""Schema defaults put into the data, as rjsf does when it first shows a form.

A ``default`` (or a ``const``) fills an absent field; a nested object is created only when
it is required or receives some default; an array is padded up to ``minItems`` with its
items' defaults; a ``"type": "null"`` field becomes ``null``. Present values are kept.
"""

from __future__ import annotations

import copy
from typing import Any

from forms.compiled import CompiledSchema, compile_schema
from forms.merge import as_schema
from forms.naming import MISSING
from forms.resolve import (
    alternatives,
    choose,
    fixed_count,
    item_schema,
    json_type,
    merged_branch,
    nullable,
    primary_type,
    resolve,
)

MAX_DEPTH = 24


def with_defaults(schema: Any, data: Any = None) -> Any:
    """``data`` with the schema's defaults filled in where values are absent.

    ``None`` as ``data`` means "nothing yet": a new form.
    """
    c = compile_schema(schema)
    filled = fill(c, c.root, MISSING if data is None else data, required=True)
    return None if filled is MISSING else filled


def fill(c: CompiledSchema, schema: Any, value: Any, required: bool, depth: int = 0) -> Any:
    """The value with defaults, or :data:`MISSING` when it stays absent."""
    if depth > MAX_DEPTH:
        return value
    s = shape(c, schema, value)
    if value is MISSING:
        value = _default(s)
    kind = primary_type(s) or json_type(value)
    if kind == "object" and (value is MISSING or isinstance(value, dict)):
        return _fill_object(c, schema, value, required, depth)
    if kind == "array" and (value is MISSING or isinstance(value, list)):
        return _fill_array(c, s, value, depth)
    return value


def shape(c: CompiledSchema, schema: Any, value: Any) -> dict[str, Any]:
    """The resolved subschema, with the alternative that fits ``value`` chosen."""
    s = resolve(c, schema, value)
    found = alternatives(c, s)
    if found:
        keyword, branches = found
        s = merged_branch(c, s, keyword, branches[choose(c, branches, value)], value)
    return s


def _default(s: dict[str, Any]) -> Any:
    if "default" in s:
        return copy.deepcopy(s["default"])
    if "const" in s:
        return copy.deepcopy(s["const"])
    if primary_type(s) == "null" and not nullable(s):
        return None
    return MISSING


def _fill_object(c: CompiledSchema, schema: Any, value: Any, required: bool, depth: int) -> Any:
    obj = dict(value) if isinstance(value, dict) else {}
    for _ in range(3):  # defaults may answer a condition that brings more fields
        before = dict(obj)
        s = shape(c, schema, obj)
        names = set(s.get("required") or [])
        for name, sub in as_schema(s.get("properties")).items():
            child = fill(c, sub, obj.get(name, MISSING), name in names, depth + 1)
            if child is not MISSING:
                obj[name] = child
        if obj == before:
            break
    if value is MISSING and not obj and not required:
        return MISSING
    return obj


def _fill_array(c: CompiledSchema, s: dict[str, Any], value: Any, depth: int) -> Any:
    items = [fill(c, item_schema(s, i), v, True, depth + 1) for i, v in enumerate(value or [])]
    items = [None if v is MISSING else v for v in items]
    found = s.get("minItems")
    minimum: int = found if isinstance(found, int) else 0
    while len(items) < max(minimum, fixed_count(s) if value is not MISSING else 0):
        filler = fill(c, item_schema(s, len(items)), MISSING, True, depth + 1)
        if filler is MISSING:
            break
        items.append(filler)
    if value is MISSING and not items:
        return MISSING
    return items


def blank(c: CompiledSchema, schema: Any) -> Any:
    """The value of a row just added: its defaults, else ``None`` (an empty field)."""
    filled = fill(c, schema, MISSING, required=True)
    return None if filled is MISSING else filled
