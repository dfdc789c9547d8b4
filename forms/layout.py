"""The parts around a control: label or legend, description, help, errors, error summary.

Accessibility lives here: every control gets a label, "obligatorio" is written in text,
descriptions, help and errors are tied to the control with ``aria-describedby``, and the
summary at the top links each error to its field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from forms import ui as uis
from forms.compiled import CompiledSchema
from forms.html import attrs, built, concat, content, describedby, esc, tag
from forms.naming import action_name, field_id, form_id, split
from forms.naming import join as join_pointer
from forms.validation import Errors


@dataclass
class Ctx:
    """One rendering: the schema, the errors to show, and what was drawn where."""

    c: CompiledSchema
    errors: Errors
    prefix: str
    choices: Mapping[str, int]
    # data pointer -> (element id, label): where the summary links each error to.
    targets: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Node:
    """Where a value sits: ``path`` is its JSON pointer, ``name`` the pointer its inputs use.

    They differ below key/value rows, whose keys people edit (see :mod:`forms.naming`).
    ``refresh`` is the group (id, name) that re-renders when this answer changes.
    """

    path: str
    name: str
    ui: uis.UI
    label: str
    required: bool = False
    readonly: bool = False
    disabled: bool = False
    refresh: tuple[str, str] | None = None

    def under(self, path: str, name: str, ui: uis.UI, label: str, required: bool = False) -> Node:
        """A child node; read-only and disabled pass down, as in rjsf."""
        return Node(path, name, ui, label, required, self.readonly, self.disabled)


@dataclass
class Texts:
    """What a person reads around one control.

    ``fid`` comes from :func:`forms.naming.field_id` (letters, digits, ``_`` and ``-``), so
    the ids made from it are written into the HTML without escaping.
    """

    fid: str
    title: str
    description: str | None
    help: str | None
    errors: list[str]
    required: bool

    def described_by(self, *extra: str | None) -> str | None:
        if not (self.description or self.help or self.errors or extra):
            return None
        return describedby(
            f"{self.fid}--descripcion" if self.description else None,
            f"{self.fid}--ayuda" if self.help else None,
            f"{self.fid}--error" if self.errors else None,
            *extra,
        )


def texts(ctx: Ctx, node: Node, schema: Mapping[str, Any], fid: str | None = None) -> Texts:
    """The texts of the field at ``node``, and record it as the target of its errors."""
    fid = fid or field_id(node.name, ctx.prefix)
    ui = node.ui
    if ui:
        title = uis.text(ui, "title") or _text(schema.get("title")) or node.label
        description = uis.text(ui, "description") or _text(schema.get("description"))
        help_ = uis.text(ui, "help")
    else:
        title, description, help_ = _text(schema.get("title")) or node.label, _text(schema.get("description")), None
    ctx.targets.setdefault(node.path, (fid, title))
    return Texts(fid, title, description, help_, ctx.errors.get(node.path, []), node.required)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


REQUIRED_MARK = ' <span class="obligatorio">(obligatorio)</span>'
EMPTY = built("")


def required_mark(required: bool) -> Markup | None:
    return built(REQUIRED_MARK) if required else None


def label(t: Texts, for_id: str | None = None) -> Markup:
    mark = REQUIRED_MARK if t.required else ""
    return built(f'<label for="{esc(for_id or t.fid)}">{content(t.title)}{mark}</label>')


def legend(t: Texts) -> Markup:
    return built(f"<legend>{content(t.title)}{REQUIRED_MARK if t.required else ''}</legend>")


def notes_before(t: Texts) -> Markup:
    """The description (under the label)."""
    if not t.description:
        return EMPTY
    return built(f'<p class="descripcion" id="{t.fid}--descripcion">{content(t.description)}</p>')


def notes_after(t: Texts) -> Markup:
    """Help and errors (under the control)."""
    if not (t.help or t.errors):
        return EMPTY
    out = ""
    if t.help:
        out = f'<p class="ayuda" id="{t.fid}--ayuda">{content(t.help)}</p>'
    if t.errors:
        lines = "".join([f"<p><strong>Error:</strong> {content(message)}</p>" for message in t.errors])
        out += f'<div class="errores" id="{t.fid}--error">{lines}</div>'
    return built(out)


def classes(base: str, t: Texts, node: Node) -> str:
    """The ``class`` of a field's box (escaped): ``base``, whether it has errors, ``ui:classNames``."""
    extra = uis.classes(node.ui)
    names = f"{base} con-error" if t.errors else base
    return esc(f"{names} {extra}" if extra else names)


def wrapper(kind: str, node: Node, t: Texts, *children: Any) -> Markup:
    """The box around one field."""
    names = classes(f"campo campo-{kind}", t, node)
    return built(f'<div class="{names}" id="{t.fid}--campo">{concat(children)}</div>')


def group(node: Node, t: Texts, *children: Any, kind: str = "grupo", bare: bool = False) -> Markup:
    """A fieldset with its legend (``bare``: a plain box, for an untitled form root)."""
    names = classes(kind, t, node)
    head = notes_before(t) + notes_after(t)
    if bare:
        return built(f'<div class="{names}" id="{t.fid}">{head}{concat(children)}</div>')
    described = t.described_by()
    attributes = f' aria-describedby="{described}"' if described else ""
    return built(f'<fieldset class="{names}" id="{t.fid}"{attributes}>{legend(t)}{head}{concat(children)}</fieldset>')


def action_button(ctx: Ctx, text: str, value: str, target: str, button_id: str,
                  aria_label: str | None = None) -> Markup:
    """A button that changes the form's shape: a plain POST without JS, a partial swap with htmx.

    htmx posts the enclosing form to the page's own URL and swaps the group ``target``.
    """
    aria = f' aria-label="{esc(aria_label)}"' if aria_label is not None else ""
    return built(f'<button type="submit" class="accion" name="{esc(action_name(ctx.prefix))}" value="{esc(value)}"'
                 f' id="{esc(button_id)}" formnovalidate{aria}{_swap_html(target)}>{esc(text)}</button>')


def swap(target: str) -> dict[str, str]:
    """htmx attributes that re-render the element ``target`` from the page's answer."""
    selector = f"#{target}"
    return {"hx-post": "", "hx-target": selector, "hx-select": selector, "hx-swap": "outerHTML"}


def _swap_html(target: str) -> str:
    """:func:`swap` as attributes."""
    selector = esc(f"#{target}")
    return f' hx-post="" hx-target="{selector}" hx-select="{selector}" hx-swap="outerHTML"'


def refresh_attributes(ctx: Ctx, node: Node) -> dict[str, str]:
    """htmx attributes for an answer that decides which fields its group shows."""
    if node.refresh is None:
        return {}
    target, name = node.refresh
    values = json.dumps({action_name(ctx.prefix): f"actualizar {name}"}, ensure_ascii=False)
    return {**swap(target), "hx-trigger": "change", "hx-vals": values}


def refresh_html(ctx: Ctx, node: Node) -> str:
    """:func:`refresh_attributes` as attributes (``""`` for most fields)."""
    return "" if node.refresh is None else attrs(refresh_attributes(ctx, node))


def refresh_button(ctx: Ctx, target: str, name: str) -> Markup:
    """Without JS, the person asks for the fields that fit the answers given so far."""
    button = action_button(ctx, "Actualizar el formulario", f"actualizar {name}", target, f"{target}--actualizar")
    return tag("noscript", {}, button)


def summary(ctx: Ctx) -> Markup:
    """The error summary at the top: each message links to its field."""
    entries = []
    for pointer, messages in ctx.errors.items():
        fid, title = ctx.targets.get(pointer) or _nearest(ctx, pointer)
        for message in messages:
            text = f"{title}: {message}" if title else message
            entries.append(tag("li", {}, tag("a", {"href": f"#{fid}"}, text)))
    if not entries:
        return Markup("")
    count = len(entries)
    heading = "Hay un error en el formulario" if count == 1 else f"Hay {count} errores en el formulario"
    sid = form_id(ctx.prefix) + "--errores"
    return tag("div", {"class": "errores-resumen", "id": sid, "role": "alert", "aria-labelledby": f"{sid}-titulo"},
               tag("h2", {"id": f"{sid}-titulo"}, heading),
               tag("p", {}, "Revise los siguientes campos:"),
               tag("ul", {}, *entries))


def _nearest(ctx: Ctx, pointer: str) -> tuple[str, str]:
    """An error on a field not on screen: link to the closest group shown, name the field."""
    tokens = split(pointer)
    name = tokens[-1] if tokens else ""
    while tokens:
        tokens.pop()
        parent = ""
        for token in tokens:
            parent = join_pointer(parent, token)
        found = ctx.targets.get(parent)
        if found:
            return found[0], name or found[1]
    return form_id(ctx.prefix), name

