"""What a form says about each of its fields, for showing saved data: title, group, options, kind.

A case's data was filled through the bundle's forms; reading it back, people see each value
under the title its field had (``organizador.nombre`` → «Nombre», in the group «Organizador»)
and each option under its label, whichever of the three common ways the analyst labelled it:
``oneOf`` + ``const`` + ``title``, ``enumNames`` beside ``enum``, or ``ui:enumNames`` in the UI
schema. Fields that only a condition shows (``if/then/else``, ``allOf``, ``dependentSchemas``)
are listed too: the data may hold them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.formats import FILE_FORMATS
from forms.values import option_key

#: Keywords whose subschemas describe fields of the same object.
_SAME_OBJECT = ("then", "else", "allOf", "anyOf", "oneOf")
_MAX_DEPTH = 12  # a form nests groups a few levels; a cycle of $ref stops here


@dataclass(frozen=True)
class FieldInfo:
    """One field of a form: its dotted path, title, enclosing group's title and how to show it."""

    path: str
    title: str
    group: str = ""
    kind: str = "string"  # the JSON type; "file" for a document, "object" for a group
    format: str = ""
    options: Mapping[str, str] = field(default_factory=dict)  # option key → label
    labelled: bool = True  # False: an enum whose values have no label anywhere


def catalogue(schema: Mapping[str, Any] | None, ui: Mapping[str, Any] | None = None) -> dict[str, FieldInfo]:
    """Every field of ``schema`` by dotted path, in the form's order (groups before their fields)."""
    found: dict[str, FieldInfo] = {}
    if isinstance(schema, Mapping):
        for info in _fields(schema, schema, ui if isinstance(ui, Mapping) else {}, "", "", 0):
            found.setdefault(info.path, info)
    return found


def _fields(root: Mapping[str, Any], s: Mapping[str, Any], ui: Mapping[str, Any], prefix: str, group: str,
            depth: int) -> Iterator[FieldInfo]:
    if depth > _MAX_DEPTH:
        return
    s = _deref(root, s)
    properties = s.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            if isinstance(sub, Mapping):
                yield from _field(root, sub, _ui_of(ui, name), f"{prefix}{name}", group, depth)
    for part in _same_object(s):
        yield from _fields(root, part, ui, prefix, group, depth + 1)


def _same_object(s: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The subschemas that add fields to the same object (conditions, combinations, dependencies)."""
    for keyword in _SAME_OBJECT:
        parts = s.get(keyword)
        yield from (p for p in (parts if isinstance(parts, list) else [parts]) if isinstance(p, Mapping))
    dependent = s.get("dependentSchemas")
    if isinstance(dependent, Mapping):
        yield from (p for p in dependent.values() if isinstance(p, Mapping))


def _field(root: Mapping[str, Any], sub: Mapping[str, Any], ui: Mapping[str, Any], path: str, group: str,
           depth: int) -> Iterator[FieldInfo]:
    sub = _deref(root, sub)
    name = path.rsplit(".", 1)[-1]
    given = sub.get("title")
    title = given if isinstance(given, str) else humanize(name)
    kind = _kind(sub)
    options, labelled = enum_labels(root, sub, ui)
    items = _deref(root, sub.get("items")) if isinstance(sub.get("items"), Mapping) else None
    if items is not None and not options:  # a list of options: the items' labels
        options, labelled = enum_labels(root, items, _ui_of(ui, "items"))
    yield FieldInfo(path, title, group, kind, str(sub.get("format") or ""), options, labelled)
    if kind == "object":
        yield from _fields(root, sub, ui, f"{path}.", title, depth + 1)


def enum_labels(root: Mapping[str, Any], s: Mapping[str, Any], ui: Mapping[str, Any]) -> tuple[dict[str, str], bool]:
    """The options of a field as key → label, and whether the analyst labelled them.

    ``oneOf``/``anyOf`` branches with ``const`` (or a one-value ``enum``) and ``title``;
    ``enumNames`` beside ``enum``; ``ui:enumNames`` in the UI schema. Unlabelled values show as
    they are. ``({}, True)`` for a free field.
    """
    s = _deref(root, s)
    values: list[Any] = []
    titles: list[str | None] = []
    if isinstance(s.get("enum"), list):
        values = list(s["enum"])
        given = s.get("enumNames")
        names: list[Any] = given if isinstance(given, list) else []
        titles = [names[i] if i < len(names) and isinstance(names[i], str) else None for i in range(len(values))]
    else:
        for keyword in ("oneOf", "anyOf"):
            branches = [_deref(root, b) for b in s.get(keyword) or [] if isinstance(b, Mapping)]
            if branches and all("const" in b for b in branches):
                values = [b["const"] for b in branches]
                titles = [b.get("title") if isinstance(b.get("title"), str) else None for b in branches]
                break
    if not values:
        return {}, True
    given_ui = ui.get("ui:enumNames")
    ui_names: list[Any] = given_ui if isinstance(given_ui, list) else []
    labels: dict[str, str] = {}
    labelled = True
    for i, value in enumerate(values):
        label = titles[i] or (ui_names[i] if i < len(ui_names) and isinstance(ui_names[i], str) else None)
        labelled = labelled and (label is not None or isinstance(value, bool))
        labels[option_key(value)] = label if label is not None else str(value)
    return labels, labelled


def _kind(s: Mapping[str, Any]) -> str:
    if s.get("format") in FILE_FORMATS:
        return "file"
    kind = s.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and isinstance(s.get("properties"), Mapping):
        return "object"
    return kind if isinstance(kind, str) else "string"


def _ui_of(ui: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    sub = ui.get(name)
    return sub if isinstance(sub, Mapping) else {}


def _deref(root: Mapping[str, Any], s: Any) -> Mapping[str, Any]:
    """A local ``$ref`` (``#/$defs/x``, ``#/definitions/x``) replaced by its target, once."""
    if not isinstance(s, Mapping):
        return {}
    ref = s.get("$ref")
    if not (isinstance(ref, str) and ref.startswith("#/")):
        return s
    target: Any = root
    for token in ref[2:].split("/"):
        target = target.get(token) if isinstance(target, Mapping) else None
    return {**target, **{k: v for k, v in s.items() if k != "$ref"}} if isinstance(target, Mapping) else s


def humanize(name: str) -> str:
    """A label made from a variable's name, for data no form titles: ``fecha_inicio`` → «Fecha inicio»."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def unlabelled_enums(schema: Mapping[str, Any] | None, ui: Mapping[str, Any] | None = None) -> list[str]:
    """Dotted paths of the fields whose options have no label in any of the three common forms.

    The validator warns about them: people would read raw values (``favorable_con_observaciones``).
    """
    return [path for path, info in catalogue(schema, ui).items() if not info.labelled]
