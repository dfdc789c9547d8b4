"""What a field is, decided once and shared by the renderer and the parser.

Both sides must agree on the widget of every value (a checkbox here, rows there), or a
submitted form would not parse back into what was shown; :func:`plan` is that agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms import ui as uis
from forms.compiled import CompiledSchema
from forms.formats import FILE_FORMATS
from forms.html import esc
from forms.merge import CONDITIONS
from forms.messages import display
from forms.resolve import (
    DEPENDENCY_KEYWORDS,
    alternatives,
    choose,
    fixed_count,
    flatten,
    item_schema,
    merged_branch,
    nullable,
    options_of,
    primary_type,
    resolve,
)
from forms.values import option_key

BOOLEAN_OPTIONS: list[tuple[Any, str | None]] = [(True, "Sí"), (False, "No")]
INPUT_TYPES = {
    "password": "password", "email": "email", "uri": "url", "date": "date", "datetime": "datetime-local",
    "time": "time", "range": "range", "updown": "number", "color": "color", "text": "text",
}
FORMAT_TYPES = {"email": "email", "uri": "url", "date": "date", "date-time": "datetime-local", "time": "time"}


@dataclass
class Alternative:
    """A ``oneOf``/``anyOf`` whose branches the person chooses between."""

    keyword: str
    branches: list[Any]
    index: int
    title: str | None = None


@dataclass(frozen=True)
class Field:
    """A resolved subschema and how it is shown.

    ``kind`` is one of: object, array, multi (several options picked), file, null, hidden,
    checkbox, select, radio, textarea, input, json (a value of unknown type, as JSON text).
    """

    schema: dict[str, Any]
    kind: str
    widget: str | None
    options: list[tuple[Any, str]] | None
    alternative: Alternative | None
    type: str | None
    # ``options`` as ``<option>`` elements, none selected, and their keys (None: build them).
    options_html: tuple[str, frozenset[str]] | None = None

    @property
    def nullable(self) -> bool:
        return nullable(self.schema)


@dataclass(frozen=True)
class _Shape:
    """What :func:`plan` knows of a subschema before seeing the value and the UI schema."""

    schema: dict[str, Any]
    type: str | None
    options: list[tuple[Any, str | None]] | None
    labelled: list[tuple[Any, str]] | None  # the options' labels when no ui:enumNames renames them
    labelled_html: tuple[str, frozenset[str]] | None  # those as HTML (see Field.options_html)
    plain: Field  # the field when the UI schema names no widget and no option labels


def _shape(c: CompiledSchema, schema: Any) -> _Shape | None:
    """The shape of ``schema``, or ``None`` when it depends on the value (conditions, alternatives)."""
    s = flatten(c, schema)
    if CONDITIONS in s or any(k in s for k in DEPENDENCY_KEYWORDS) or alternatives(c, s):
        return None
    options = options_of(c, s)
    labelled = _labelled(options, {})
    prepared = None if labelled is None else options_html(labelled)
    kind = primary_type(s)
    plain = Field(s, _kind(c, s, kind, None, labelled), None, labelled, None, kind, prepared)
    return _Shape(s, kind, options, labelled, prepared, plain)


def options_html(options: list[tuple[Any, str]]) -> tuple[str, frozenset[str]]:
    """``<option>`` elements for ``options``, none selected, and the options' keys."""
    keys = [option_key(value) for value, _ in options]
    items = [f'<option value="{esc(key)}">{esc(text)}</option>' for key, (_, text) in zip(keys, options, strict=True)]
    return "".join(items), frozenset(keys)


def plan(c: CompiledSchema, schema: Any, value: Any, ui: uis.UI, choice: int | None = None) -> Field:
    """The field for ``value`` under ``schema``; ``choice`` is the alternative a person picked."""
    shape = c.memo("shape", schema, lambda sub: _shape(c, sub))
    if shape is None:
        return _plan(c, schema, value, ui, choice)
    if "ui:widget" not in ui and "ui:enumNames" not in ui:
        return shape.plain
    widget = uis.widget(ui)
    kind = shape.type
    if "ui:enumNames" in ui:
        options, prepared = _labelled(shape.options, ui), None
    else:
        options, prepared = shape.labelled, shape.labelled_html
    if options is None and kind == "boolean" and widget in ("radio", "select"):
        options = _labelled(BOOLEAN_OPTIONS, ui)
    kind_of = _kind(c, shape.schema, kind, widget, options)
    return Field(shape.schema, kind_of, widget, options, None, kind, prepared)


def _plan(c: CompiledSchema, schema: Any, value: Any, ui: uis.UI, choice: int | None) -> Field:
    s = resolve(c, schema, value)
    alternative = None
    found = alternatives(c, s)
    if found:
        keyword, branches = found
        index = choice if isinstance(choice, int) and 0 <= choice < len(branches) else choose(c, branches, value)
        title = s.get("title") if isinstance(s.get("title"), str) else None
        alternative = Alternative(keyword, branches, index, title)
        s = merged_branch(c, s, keyword, branches[index], value)
    widget = uis.widget(ui)
    kind = primary_type(s)
    options = _labelled(options_of(c, s), ui)
    if options is None and kind == "boolean" and widget in ("radio", "select"):
        options = _labelled(BOOLEAN_OPTIONS, ui)
    return Field(s, _kind(c, s, kind, widget, options), widget, options, alternative, kind)


def _kind(c: CompiledSchema, s: dict[str, Any], kind: str | None, widget: str | None,
          options: list[tuple[Any, str]] | None) -> str:
    if widget == "hidden":
        return "hidden"
    if s.get("format") in FILE_FORMATS or widget == "file":
        return "file"
    if options is not None and kind != "array":
        return "radio" if widget == "radio" else "select"
    if kind in ("object", "array"):
        return "multi" if kind == "array" and _is_multi(c, s, widget) else kind
    if kind == "null":
        return "null"
    if kind == "boolean":
        return "checkbox"
    if kind is None:
        return "json"
    return "textarea" if widget == "textarea" else "input"


def _is_multi(c: CompiledSchema, s: dict[str, Any], widget: str | None) -> bool:
    """An array of options shown as checkboxes (or a multiple select) instead of rows."""
    if fixed_count(s) or not (s.get("uniqueItems") is True or widget in ("checkboxes", "select")):
        return False
    return options_of(c, flatten(c, item_schema(s, 0))) is not None


def multi_options(c: CompiledSchema, s: dict[str, Any], ui: uis.UI) -> list[tuple[Any, str]]:
    """The options of a ``multi`` field (its items' options)."""
    found = options_of(c, flatten(c, item_schema(s, 0))) or []
    return _labelled(found, ui) or []


def _labelled(options: list[tuple[Any, str | None]] | None, ui: uis.UI) -> list[tuple[Any, str]] | None:
    """Options with their labels: ``title``, else ``ui:enumNames``, else the value itself."""
    if options is None:
        return None
    names = ui.get("ui:enumNames")
    names = names if isinstance(names, list) else []
    out = []
    for i, (value, title) in enumerate(options):
        label = title if title else names[i] if i < len(names) and isinstance(names[i], str) else display(value)
        out.append((value, label))
    return out


def input_type(field: Field, ui: uis.UI) -> str:
    """The ``type`` of an ``<input>``: the widget's, ``inputType``, the format's, or by type."""
    if field.widget in INPUT_TYPES and field.widget != "text":
        return INPUT_TYPES[field.widget]
    asked = uis.option(ui, "inputType") if ui else None
    if isinstance(asked, str) and asked.isalpha():
        return asked
    fmt = field.schema.get("format")
    if field.type == "string" and isinstance(fmt, str) and fmt in FORMAT_TYPES:
        return FORMAT_TYPES[fmt]
    if field.type in ("number", "integer"):
        return "number"
    return "text"
