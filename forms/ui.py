"""Reading the UI schema (react-jsonschema-form's vocabulary) without trusting its shape.

A UI schema is written by hand, so every accessor tolerates a missing or malformed part:
an unknown widget or ``ui:field`` falls back to the default field, with a note in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("forms")

UI = dict[str, Any]

# rjsf's component names and the theme widgets the playground uses, mapped to ours.
ALIASES = {
    "TextWidget": "text",
    "TextareaWidget": "textarea",
    "PasswordWidget": "password",
    "EmailWidget": "email",
    "URLWidget": "uri",
    "HiddenWidget": "hidden",
    "SelectWidget": "select",
    "RadioWidget": "radio",
    "CheckboxesWidget": "checkboxes",
    "CheckboxWidget": "checkbox",
    "RangeWidget": "range",
    "UpDownWidget": "updown",
    "DateWidget": "date",
    "DateTimeWidget": "datetime",
    "TimeWidget": "time",
    "FileWidget": "file",
    "ColorWidget": "color",
    "alt-date": "date",
    "alt-datetime": "datetime",
    "toggle": "checkbox",
    "map": "mapa",
}
WIDGETS = frozenset({
    "text", "textarea", "password", "email", "uri", "hidden", "select", "radio", "checkboxes", "checkbox",
    "range", "updown", "date", "datetime", "time", "file", "color", "mapa",
})


def as_ui(value: Any) -> UI:
    """A UI schema node as a dict (anything else means "no options")."""
    return value if isinstance(value, dict) else {}


def child(ui: UI, name: str) -> UI:
    """The UI schema of property ``name``."""
    return as_ui(ui.get(name))


def item(ui: UI, index: int, fixed: int) -> UI:
    """The UI schema of array row ``index`` (tuples: ``items`` list, then ``additionalItems``)."""
    items = ui.get("items")
    if isinstance(items, list):
        return as_ui(items[index]) if index < len(items) else as_ui(ui.get("additionalItems"))
    if index >= fixed and fixed and "additionalItems" in ui:
        return as_ui(ui.get("additionalItems"))
    return as_ui(items)


def option(ui: UI, key: str, default: Any = None) -> Any:
    """A ``ui:options`` entry, or its ``ui:<key>`` shorthand."""
    options = as_ui(ui.get("ui:options"))
    if key in options:
        return options[key]
    return ui.get(f"ui:{key}", default)


def text(ui: UI, key: str) -> str | None:
    """A ``ui:<key>`` text (title, description, help, placeholder), when it is one."""
    value = ui.get(f"ui:{key}")
    return value if isinstance(value, str) else None


def widget(ui: UI) -> str | None:
    """The widget asked for, normalised; an unknown one is logged and ignored."""
    name = ui.get("ui:widget")
    if name is None:
        return None
    if not isinstance(name, str):
        log.info("ui:widget %r is not a name; the default widget is used", name)
        return None
    name = ALIASES.get(name, name)
    if name not in WIDGETS:
        log.info("ui:widget %r is unknown; the default widget is used", name)
        return None
    return name


def note_field(ui: UI) -> None:
    """Custom fields (``ui:field``) are React components: log that the default field is used."""
    name = ui.get("ui:field")
    if name is not None:
        log.info("ui:field %r is not available here; the default field is used", name)


def order(names: Iterable[str], ui: UI) -> list[str]:
    """The property names in ``ui:order`` order (``*`` stands for the rest, else they go last)."""
    names = list(names)
    wanted = ui.get("ui:order")
    if not isinstance(wanted, list):
        return names
    listed = [n for n in wanted if isinstance(n, str) and (n in names or n == "*")]
    rest = [n for n in names if n not in listed]
    if "*" not in listed:
        listed.append("*")
    out: list[str] = []
    for name in listed:
        out.extend(rest if name == "*" else [name])
    return list(dict.fromkeys(out))


def classes(ui: UI) -> str | None:
    """Extra CSS classes (``ui:classNames``, and rjsf's singular ``ui:className``)."""
    if not ui:
        return None
    found = [ui.get(k) for k in ("ui:classNames", "ui:className")]
    names = " ".join(v for v in found if isinstance(v, str) and v.strip())
    return names or None
