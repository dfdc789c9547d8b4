"""Combine two subschemas into one, the way a form needs them (allOf, $ref siblings, then).

This is a presentation merge: it tells the renderer which fields exist and how they look.
Validation never uses it; jsonschema validates the analyst's schema as written.
"""

from __future__ import annotations

from typing import Any

MAP_KEYS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
SCHEMA_KEYS = frozenset({"items", "additionalProperties", "additionalItems", "contains", "propertyNames"})
LOWER_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"})
# if/then/else triples collected from allOf branches, so that several of them survive a merge.
CONDITIONS = "__conditions"
UPPER_BOUNDS = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"})


def as_schema(value: Any) -> dict[str, Any]:
    """A boolean schema as a dict (``true`` allows anything; ``false`` nothing)."""
    if value is True or value is None:
        return {}
    if value is False:
        return {"not": {}}
    return value if isinstance(value, dict) else {}


def merge(a: Any, b: Any) -> dict[str, Any]:
    """``a`` and ``b`` as one schema; for annotations (title, default...) ``b`` wins."""
    out = dict(as_schema(a))
    for key, value in as_schema(b).items():
        out[key] = _merge_key(key, out[key], value) if key in out else value
    return out


def _merge_key(key: str, old: Any, new: Any) -> Any:
    if key == "type":
        return _intersect_types(old, new)
    if key in LOWER_BOUNDS and _numbers(old, new):
        return max(old, new)
    if key in UPPER_BOUNDS and _numbers(old, new):
        return min(old, new)
    if isinstance(old, list) and isinstance(new, list):
        return _merge_lists(key, old, new)
    if isinstance(old, dict) and isinstance(new, dict):
        return _merge_dicts(key, old, new)
    return new


def _merge_lists(key: str, old: list[Any], new: list[Any]) -> list[Any]:
    if key == "required":
        return old + [n for n in new if n not in old]
    if key == "enum":
        return [v for v in old if v in new] or new
    if key in ("allOf", CONDITIONS):
        return old + new
    return new


def _merge_dicts(key: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
    if key in MAP_KEYS:
        return _merge_map(old, new)
    if key == "dependentRequired":
        return {k: list(dict.fromkeys([*old.get(k, []), *new.get(k, [])])) for k in {**old, **new}}
    if key == "dependencies":
        return _merge_dependencies(old, new)
    if key in SCHEMA_KEYS:
        return merge_subschemas(old, new)
    return new


def _merge_dependencies(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(old)
    for name, dep in new.items():
        if name not in out:
            out[name] = dep
        elif isinstance(out[name], list) and isinstance(dep, list):
            out[name] = list(dict.fromkeys([*out[name], *dep]))
        else:
            out[name] = merge(_as_dependency(out[name]), _as_dependency(dep))
    return out


def _as_dependency(dep: Any) -> Any:
    return {"required": dep} if isinstance(dep, list) else dep


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _merge_map(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(old)
    for name, schema in new.items():
        out[name] = merge_subschemas(out[name], schema) if name in out else schema
    return out


def merge_subschemas(old: Any, new: Any) -> Any:
    """Merge two subschemas that may still hold ``$ref`` (resolved later, by the renderer)."""
    if isinstance(old, dict) and isinstance(new, dict) and "$ref" in old and "$ref" in new:
        if old["$ref"] == new["$ref"]:
            return merge(old, new)
        return {"allOf": [old, new]}
    return merge(old, new)


def _intersect_types(old: Any, new: Any) -> Any:
    olds = old if isinstance(old, list) else [old]
    news = new if isinstance(new, list) else [new]
    both = [t for t in olds if t in news or (t == "number" and "integer" in news)]
    both = ["integer" if t == "number" and "integer" in news else t for t in both]
    if not both:
        return new
    return both[0] if len(both) == 1 else both
