"""The flat fields of an HTML POST back into the typed JSON document the form showed.

The parser walks the schema the way the renderer did (:func:`forms.fields.plan`), reading
the value inputs and the hidden markers (:mod:`forms.naming`): rows of arrays, the chosen
alternative, "this object was there", a checkbox's companion, a kept document. A field
that was not on screen sends nothing and stays absent; an empty input is absent too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forms import ui as uis
from forms.compiled import CompiledSchema, compile_schema
from forms.defaults import blank
from forms.errors import ActionError
from forms.fields import Field, input_type, multi_options, plan
from forms.merge import as_schema
from forms.naming import EXTRA_ROW, MISSING, action_name, extra_row, marker_name, value_name
from forms.naming import join as join_pointer
from forms.resolve import TRIGGERS, extra_schema, fixed_count, has_extra_rows, item_schema
from forms.values import from_option, from_text, join_date_time

MAX_ROWS = 1000  # more rows than any form has: a bigger count is a tampered request
MAX_ROUNDS = 4  # answers that bring fields that bring fields... settle within a few rounds
NEW_KEY = "campo_nuevo"
PRESENT = "1"


@dataclass
class Action:
    """A request to change the form's shape: ``verb`` and the name pointer it acts on."""

    verb: str
    target: str
    done: bool = False


@dataclass
class Submission:
    """What a POST holds: the data, the alternatives picked (by data pointer), the action."""

    data: Any
    choices: dict[str, int] = field(default_factory=dict)
    action: Action | None = None


class _Reader:
    def __init__(self, c: CompiledSchema, form: Any, files: Mapping[str, Any] | None, prefix: str,
                 action: Action | None) -> None:
        self.c = c
        self.form = form
        self.files = files or {}
        self.prefix = prefix
        self.action = action
        self.choices: dict[str, int] = {}

    def all(self, name: str) -> list[str]:
        if hasattr(self.form, "getlist"):
            return [str(v) for v in self.form.getlist(name)]
        found = self.form.get(name, [])
        return [found] if isinstance(found, str) else [str(v) for v in found]

    def last(self, name: str) -> str | None:
        found = self.all(name)
        return found[-1] if found else None

    def value(self, name: str) -> str | None:
        return self.last(value_name(name, self.prefix))

    def marker(self, kind: str, name: str) -> str | None:
        return self.last(marker_name(kind, name, self.prefix))


def requested_action(form: Any, prefix: str = "") -> Action | None:
    """The add/remove/move/refresh action a POST asks for, if any (``"verb <name>"``)."""
    reader = _Reader(None, form, None, prefix, None)  # type: ignore[arg-type]
    text = reader.last(action_name(prefix))
    if not text:
        return None
    verb, _, target = text.partition(" ")
    if verb not in ("agregar", "quitar", "subir", "bajar", "actualizar") or (target and not target.startswith("/")):
        raise ActionError("La acción pedida no corresponde a este formulario.")
    return Action(verb, target)


def read_submission(schema: Any, form: Any, files: Mapping[str, Any] | None = None, ui_schema: Any = None,
                    prefix: str = "", action: Action | None = None) -> Submission:
    """Parse a POST; with ``action``, apply it to the rows it names."""
    c = compile_schema(schema)
    reader = _Reader(c, form, files, prefix, action)
    value = _node(reader, c.root, "", "", uis.as_ui(ui_schema), required=True)
    return Submission(None if value is MISSING else value, reader.choices, action)


def parse_submission(schema: Any, form: Any, files: Mapping[str, Any] | None = None, ui_schema: Any = None,
                     *, prefix: str = "") -> Any:
    """The JSON document a submitted form holds (``None`` when it holds nothing).

    ``form`` is a Werkzeug ``MultiDict`` or a mapping of name -> list of values; ``files``
    maps a file input's name to the stored document's reference (``key``, ``name``,
    ``content_type``, ``size``, ``sha256``), which the data keeps in place of the bytes.

    :raises SchemaError: when the schema is not usable.
    """
    return read_submission(schema, form, files, ui_schema, prefix).data


def read_choices(schema: Any, form: Any, ui_schema: Any = None, prefix: str = "") -> dict[str, int]:
    """The alternatives a person picked, by data pointer, for :func:`forms.validate`/render."""
    return read_submission(schema, form, None, ui_schema, prefix).choices


def _choice(r: _Reader, path: str, name: str) -> int | None:
    text = r.marker("c", name)
    if text is None or not text.isdigit():
        return None
    r.choices[path] = int(text)
    return int(text)


def _node(r: _Reader, schema: Any, path: str, name: str, ui: uis.UI, required: bool) -> Any:
    choice = _choice(r, path, name)
    f = plan(r.c, schema, {}, ui, choice)
    if f.kind == "object":
        return _object(r, schema, f, path, name, ui, choice)
    if f.kind == "array":
        return _array(r, f, path, name, ui)
    if f.kind == "multi":
        return _multi(r, f, name, ui)
    if f.kind == "file":
        return _file(r, name)
    if f.kind == "null":
        return None if r.marker("p", name) is not None else MISSING
    if f.kind == "checkbox":
        return _checkbox(r, name)
    return _scalar(r, f, name, ui, required)


def _object(r: _Reader, schema: Any, f: Field, path: str, name: str, ui: uis.UI, choice: int | None) -> Any:
    value: dict[str, Any] = {}
    for _ in range(MAX_ROUNDS):
        found = _fields(r, f, path, name, ui)
        settled = found == value or TRIGGERS not in f.schema
        value = found
        if settled:
            break
        f = plan(r.c, schema, value, ui, choice)
    if not value and r.marker("o", name) is None:
        return MISSING
    return value


def _fields(r: _Reader, f: Field, path: str, name: str, ui: uis.UI) -> dict[str, Any]:
    s = f.schema
    required = set(s.get("required") or [])
    out: dict[str, Any] = {}
    for key, sub in as_schema(s.get("properties")).items():
        child = _node(r, sub, join_pointer(path, key), join_pointer(name, key), uis.child(ui, key), key in required)
        if child is not MISSING:
            out[key] = child
    if has_extra_rows(s):
        out.update(_extra_rows(r, s, path, name, ui, out))
    return {**_rest(r, name), **out}


def _rest(r: _Reader, name: str) -> dict[str, Any]:
    """Data that no field showed, kept as it came."""
    text = r.marker("r", name)
    try:
        rest = json.loads(text) if text else {}
    except ValueError:
        return {}
    return rest if isinstance(rest, dict) else {}


def _count(r: _Reader, kind: str, name: str) -> int | None:
    text = r.marker(kind, name)
    if text is None:
        return None
    if text == "":
        return 0
    if not text.isdigit() or int(text) > MAX_ROWS:
        raise ActionError("El formulario enviado no tiene una forma válida.")
    return int(text)


def _extra_rows(r: _Reader, s: dict[str, Any], path: str, name: str, ui: uis.UI,
                known: dict[str, Any]) -> dict[str, Any]:
    rows: list[tuple[str, Any]] = []
    for i in range(_count(r, "e", name) or 0):
        row = extra_row(name, i)
        key = r.marker("k", row) or ""
        sub = extra_schema(s, key) if key else as_schema(s.get("additionalProperties"))
        value = _node(r, sub, join_pointer(path, key), row, uis.as_ui(ui.get("additionalProperties")), True)
        if key or value is not MISSING:
            rows.append((key, None if value is MISSING else value))
    rows = _apply(r, name, rows, 0, lambda: (_new_key(s, known, rows), blank(r.c, _new_schema(s, known, rows))))
    return {key: value for key, value in rows if key and key not in known}


def _new_key(s: dict[str, Any], known: dict[str, Any], rows: list[tuple[str, Any]]) -> str:
    taken = set(known) | {k for k, _ in rows}
    names = as_schema(s.get("propertyNames")).get("enum")
    for candidate in names if isinstance(names, list) else []:
        if isinstance(candidate, str) and candidate not in taken:
            return candidate
    key, n = NEW_KEY, 1
    while key in taken:
        n += 1
        key = f"{NEW_KEY}_{n}"
    return key


def _new_schema(s: dict[str, Any], known: dict[str, Any], rows: list[tuple[str, Any]]) -> Any:
    return extra_schema(s, _new_key(s, known, rows)) or {}


def _array(r: _Reader, f: Field, path: str, name: str, ui: uis.UI) -> Any:
    count = _count(r, "a", name)
    if count is None:
        return MISSING
    s = f.schema
    fixed = fixed_count(s)
    rows = []
    for i in range(count):
        row = _node(r, item_schema(s, i), join_pointer(path, i), join_pointer(name, i), uis.item(ui, i, fixed), True)
        rows.append(None if row is MISSING else row)
    rows = _apply(r, name, rows, fixed, lambda: blank(r.c, item_schema(s, len(rows))))
    if not rows and r.marker("a", name) == "":
        return MISSING
    return rows


def _apply(r: _Reader, name: str, rows: list[Any], fixed: int, new: Any) -> list[Any]:
    """Apply the requested action when it names these rows."""
    action = r.action
    if action is None or action.done or action.verb == "actualizar":
        return rows
    if action.verb == "agregar":
        if action.target != name:
            return rows
        action.done = True
        return [*rows, new()]
    parent, _, last = action.target.rpartition("/")
    index = last[len(EXTRA_ROW):] if last.startswith(EXTRA_ROW) else last
    if parent != name or not index.isdigit() or not fixed <= int(index) < len(rows):
        return rows
    action.done = True
    return _move(action.verb, rows, int(index), fixed)


def _move(verb: str, rows: list[Any], i: int, fixed: int) -> list[Any]:
    rows = list(rows)
    if verb == "quitar":
        del rows[i]
    elif verb == "subir" and i > fixed:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif verb == "bajar" and i + 1 < len(rows):
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
    return rows


def _multi(r: _Reader, f: Field, name: str, ui: uis.UI) -> Any:
    texts = r.all(value_name(name, r.prefix))
    if not texts and r.marker("m", name) is None:
        return MISSING
    options = multi_options(r.c, f.schema, ui)
    return [from_option(t, options) for t in texts if t != ""]


def _file(r: _Reader, name: str) -> Any:
    uploaded = r.files.get(value_name(name, r.prefix))
    if uploaded is not None:
        return dict(uploaded) if isinstance(uploaded, Mapping) else uploaded
    kept = r.marker("f", name)
    if kept is None or r.marker("x", name) is not None:
        return MISSING
    try:
        return json.loads(kept)
    except ValueError:
        return MISSING


def _checkbox(r: _Reader, name: str) -> Any:
    if r.value(name) == "true":
        return True
    return False if r.marker("b", name) else MISSING


def _scalar(r: _Reader, f: Field, name: str, ui: uis.UI, required: bool) -> Any:
    text = r.value(name)
    if text is None:
        return MISSING
    if text == "":
        return _empty(f, ui, required, r.marker("v", name))
    if f.kind in ("select", "radio"):
        return from_option(text, f.options or [])
    if f.kind == "input" and input_type(f, ui) == "datetime-local" and "T" in text and text[-1].isdigit():
        if len(text) <= 23 and text.count(":") <= 2 and not _has_offset(text):
            return join_date_time(text, r.marker("z", name) or "")
    if f.kind == "hidden" and f.type == "string":
        return text
    return from_text(text, f.type if f.kind != "json" else None)


def _has_offset(text: str) -> bool:
    time = text.partition("T")[2]
    return "+" in time or "-" in time


def _empty(f: Field, ui: uis.UI, required: bool, was: str | None) -> Any:
    """An empty control: ``ui:emptyValue`` once it had a value, ``null`` if it was null, else absent."""
    if was == PRESENT and "ui:emptyValue" in ui:
        return ui["ui:emptyValue"]
    if was == "null" or (f.nullable and required):
        return None
    return MISSING

