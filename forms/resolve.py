"""What a subschema means for the form, given the data: references, allOf and conditions.

``resolve`` follows ``$ref`` (siblings override the target, as in rjsf), merges ``allOf``,
and applies ``if``/``then``/``else``, ``dependencies``, ``dependentSchemas`` and
``dependentRequired`` for the object's current value, so fields appear as answers change.
``oneOf``/``anyOf`` stay: either they list options (``const`` branches, shown as a select)
or they are alternatives the person chooses between (see :func:`alternatives`).

An ``if`` that only looks at properties nobody has answered yet is left undecided (neither
``then`` nor ``else``): a form should not show the fields of a choice not made.
"""

from __future__ import annotations

import re
from typing import Any

from forms.compiled import CompiledSchema
from forms.errors import SchemaError
from forms.merge import CONDITIONS, as_schema, merge
from forms.naming import MISSING

MAX_HOPS = 64
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


def deref(c: CompiledSchema, schema: Any) -> dict[str, Any]:
    """``schema`` with its ``$ref`` chain followed; sibling keywords override the target."""
    s = as_schema(schema)
    for _ in range(MAX_HOPS):
        key = "$ref" if isinstance(s.get("$ref"), str) else "$dynamicRef"
        if not isinstance(s.get(key), str):
            return s
        rest = {k: v for k, v in s.items() if k != key}
        s = merge(as_schema(c.lookup(s[key])), rest)
    raise SchemaError("Las referencias ($ref) forman un ciclo sin fin.")


def flatten(c: CompiledSchema, schema: Any, depth: int = 0) -> dict[str, Any]:
    """``schema`` with references followed and ``allOf`` merged; conditions are collected.

    Computed once per subschema (:meth:`CompiledSchema.memo`): do not modify the result.
    """
    return c.memo("flatten", schema, lambda sub: _flatten(c, sub, depth))


def _flatten(c: CompiledSchema, schema: Any, depth: int) -> dict[str, Any]:
    if depth > MAX_HOPS:
        raise SchemaError("Las referencias ($ref) o allOf forman un ciclo sin fin.")
    s = deref(c, schema)
    if "if" in s:
        s = dict(s)
        condition = {"if": s.pop("if"), "then": s.pop("then", None), "else": s.pop("else", None)}
        s[CONDITIONS] = [condition, *s.get(CONDITIONS, [])]
    if isinstance(s.get("allOf"), list):
        own = {k: v for k, v in s.items() if k != "allOf"}
        combined: dict[str, Any] = {}
        for branch in s["allOf"]:
            combined = merge(combined, flatten(c, branch, depth + 1))
        s = merge(combined, own)
    return s


DEPENDENCY_KEYWORDS = ("dependencies", "dependentSchemas", "dependentRequired")
# Set by resolve(): the properties whose answers decide which fields the object shows.
TRIGGERS = "__triggers"


def resolve(c: CompiledSchema, schema: Any, value: Any = MISSING) -> dict[str, Any]:
    """The subschema the form shows for ``value``: flattened, with conditions applied."""
    s = flatten(c, schema)
    data = value if isinstance(value, dict) else {}
    asked: set[str] = set()
    for _ in range(MAX_HOPS):
        pending = {k: s[k] for k in (CONDITIONS, *DEPENDENCY_KEYWORDS) if k in s}
        if not pending:
            return {**s, TRIGGERS: sorted(asked)} if asked else s
        asked |= triggers(pending)
        s = {k: v for k, v in s.items() if k not in pending}
        for condition in pending.get(CONDITIONS, []):
            s = merge(s, flatten(c, _condition(c, condition, data)))
        for keyword in DEPENDENCY_KEYWORDS:
            dependencies = pending.get(keyword)
            for name, dependency in (dependencies.items() if isinstance(dependencies, dict) else ()):
                if name in data:
                    s = merge(s, _dependent(c, name, dependency, data))
    raise SchemaError("Las condiciones del formulario (if/then, dependencias) no terminan de resolverse.")


def _condition(c: CompiledSchema, condition: dict[str, Any], data: dict[str, Any]) -> Any:
    test = condition["if"]
    if isinstance(test, dict):
        shape = deref(c, test)
        asked = list(as_schema(shape.get("properties")))
        if asked and "required" not in shape and not any(name in data for name in asked):
            return None  # undecided: the question this condition looks at is not answered yet
    return condition["then"] if c.is_valid(test, data) else condition["else"]


def _dependent(c: CompiledSchema, name: str, dependency: Any, data: dict[str, Any]) -> dict[str, Any]:
    """What a present property brings: required names, or a schema (rjsf: one of a oneOf)."""
    if isinstance(dependency, list):
        return {"required": dependency}
    extra = flatten(c, dependency)
    branches = extra.get("oneOf")
    if not isinstance(branches, list) or options_of(c, extra) is not None:
        return extra
    extra = {k: v for k, v in extra.items() if k != "oneOf"}
    for branch in branches:
        shape = flatten(c, branch)
        properties = as_schema(shape.get("properties"))
        if name in properties and c.is_valid(properties[name], data[name]):
            # The branch's copy of the property only selects it; keep the original field.
            shape = {**shape, "properties": {k: v for k, v in properties.items() if k != name}}
            return merge(extra, shape)
    return extra


def json_type(value: Any) -> str | None:
    """The JSON Schema type name of a Python value (``None`` is ``"null"``)."""
    if value is None:
        return "null"
    return JSON_TYPES.get(type(value))


def types_of(s: dict[str, Any]) -> list[str]:
    """The declared types, or the ones the keywords imply."""
    declared = s.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list) and declared:
        return [t for t in declared if isinstance(t, str)]
    return _implied_types(s)


def _implied_types(s: dict[str, Any]) -> list[str]:
    if "const" in s:
        found = json_type(s["const"])
        return [found] if found else []
    if isinstance(s.get("enum"), list) and s["enum"]:
        kinds = list(dict.fromkeys(json_type(v) for v in s["enum"]))
        return [k for k in kinds if k]
    keywords = {
        "object": ("properties", "additionalProperties", "patternProperties", "required", "propertyNames"),
        "array": ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "additionalItems"),
        "string": ("minLength", "maxLength", "pattern", "format"),
        "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    }
    return [kind for kind, names in keywords.items() if any(n in s for n in names)][:1]


def primary_type(s: dict[str, Any]) -> str | None:
    """The type the widget is built for: the first non-null one (``None`` when unknown)."""
    kinds = types_of(s)
    for kind in kinds:
        if kind != "null":
            return "number" if kind == "number" and "integer" in kinds else kind
    return "null" if kinds else None


def nullable(s: dict[str, Any]) -> bool:
    """Whether ``null`` is one of several allowed types."""
    kinds = types_of(s)
    return "null" in kinds and len(kinds) > 1


def options_of(c: CompiledSchema, s: dict[str, Any]) -> list[tuple[Any, str | None]] | None:
    """The fixed values a field offers, each with its title, or ``None`` if it is free.

    From ``enum``, a lone ``const``, or a ``oneOf``/``anyOf`` whose branches each hold one
    value (``const`` or a one-element ``enum``), which is how titled options are written.
    Computed once per subschema: do not modify the result.
    """
    return c.memo("options", s, lambda sub: _options_of(c, sub))


def _options_of(c: CompiledSchema, s: dict[str, Any]) -> list[tuple[Any, str | None]] | None:
    if isinstance(s.get("enum"), list):
        # ``enumNames`` beside ``enum`` (the older react-jsonschema-form way) labels the values
        found = s.get("enumNames")
        names: list[Any] = found if isinstance(found, list) else []
        return [(v, names[i] if i < len(names) and isinstance(names[i], str) else None)
                for i, v in enumerate(s["enum"])]
    for keyword in ("oneOf", "anyOf"):
        branches = s.get(keyword)
        if isinstance(branches, list) and branches:
            found = [_single_value(flatten(c, b)) for b in branches]
            if all(f is not None for f in found):
                return [f for f in found if f is not None]
    return None


def _single_value(s: dict[str, Any]) -> tuple[Any, str | None] | None:
    title = s.get("title") if isinstance(s.get("title"), str) else None
    if "const" in s:
        return (s["const"], title)
    if isinstance(s.get("enum"), list) and len(s["enum"]) == 1:
        return (s["enum"][0], title)
    return None


def alternatives(c: CompiledSchema, s: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """The ``oneOf``/``anyOf`` the person chooses between (not an options list), if any."""
    for keyword in ("oneOf", "anyOf"):
        branches = s.get(keyword)
        if isinstance(branches, list) and branches and options_of(c, {keyword: branches}) is None:
            return keyword, branches
    return None


def choose(c: CompiledSchema, branches: list[Any], value: Any) -> int:
    """The alternative that best fits ``value`` (rjsf's "closest matching option")."""
    if value is MISSING or len(branches) == 1:
        return 0
    scores = [(_score(c, b, value), -i) for i, b in enumerate(branches)]
    return -max(scores)[1]


def _score(c: CompiledSchema, branch: Any, value: Any) -> tuple[int, int, int, int]:
    shape = flatten(c, branch)
    kind = primary_type(shape)
    found = json_type(value)
    fits = kind is None or kind == found or (kind == "number" and found == "integer")
    if not isinstance(value, dict):
        return (int(fits), 0, 0, int(c.is_valid(branch, value)))
    properties = as_schema(shape.get("properties"))
    known = sum(1 for name in value if name in properties)
    agree = 0
    for name, sub in properties.items():
        fixed = _single_value(flatten(c, sub))
        if fixed is not None and name in value:
            agree += 1 if value[name] == fixed[0] else -1
    return (int(fits), agree, known, int(c.is_valid(branch, value)))


def merged_branch(c: CompiledSchema, s: dict[str, Any], keyword: str, branch: Any, value: Any) -> dict[str, Any]:
    """The field as shown once an alternative is chosen: the shared part plus the branch."""
    base = {k: v for k, v in s.items() if k != keyword}
    return resolve(c, merge(base, flatten(c, branch)), value)


def branch_title(c: CompiledSchema, branch: Any, index: int, discriminator: str | None = None) -> str:
    """What an alternative is called in its selector."""
    shape = flatten(c, branch)
    if isinstance(shape.get("title"), str) and shape["title"]:
        return str(shape["title"])
    properties = as_schema(shape.get("properties"))
    names = [discriminator] if discriminator in properties else list(properties)
    for name in names:
        sub = flatten(c, properties[name])
        if _single_value(sub) is not None:
            title = sub.get("title")
            return str(title) if isinstance(title, str) and title else str(_single_value(sub)[0])  # type: ignore[index]
    return f"Opción {index + 1}"


def triggers(s: dict[str, Any]) -> set[str]:
    """The properties whose answers change which fields an object shows."""
    found: set[str] = set()
    for condition in s.get(CONDITIONS) or []:
        test = condition.get("if")
        if isinstance(test, dict):
            found.update(as_schema(test.get("properties")))
            found.update(n for n in test.get("required") or [] if isinstance(n, str))
    for keyword in DEPENDENCY_KEYWORDS:
        if isinstance(s.get(keyword), dict):
            found.update(s[keyword])
    return found


def item_schema(s: dict[str, Any], index: int) -> Any:
    """The subschema of the array item at ``index`` (tuples: ``prefixItems``/array ``items``)."""
    fixed, extra = _item_parts(s)
    if index < len(fixed):
        return fixed[index]
    return {} if extra is None or extra is False else extra


def fixed_count(s: dict[str, Any]) -> int:
    """How many leading items have a place of their own (a tuple's positions)."""
    return len(_item_parts(s)[0])


def can_add_items(s: dict[str, Any]) -> bool:
    """Whether the schema lets rows be added beyond the fixed ones."""
    fixed, extra = _item_parts(s)
    return extra is not False and (extra is not None or not fixed)


def _item_parts(s: dict[str, Any]) -> tuple[list[Any], Any]:
    items = s.get("items")
    if isinstance(items, list):
        return items, s.get("additionalItems")
    prefix = s.get("prefixItems")
    if isinstance(prefix, list):
        return prefix, items
    return [], items if "items" in s else None


def extra_schema(s: dict[str, Any], key: str) -> Any:
    """The subschema of a key/value row (``patternProperties`` first), or ``None``."""
    for pattern, sub in as_schema(s.get("patternProperties")).items():
        if re.search(pattern, key):
            return sub
    extra = s.get("additionalProperties")
    if extra is None or extra is False:
        return None
    return extra


def has_extra_rows(s: dict[str, Any]) -> bool:
    """Whether the object shows key/value rows (rjsf: an explicit additionalProperties)."""
    extra = s.get("additionalProperties")
    return (extra is not None and extra is not False) or bool(s.get("patternProperties"))
