"""JSON Schema (+ UI schema) to semantic HTML: the fields of a form, without the ``<form>``.

Objects are fieldsets, arrays are rows with buttons to add, remove and move them, the
alternatives of a ``oneOf``/``anyOf`` get a selector, and answers that decide other fields
re-render their group. Every button is a plain submit (it works without JavaScript) that
htmx turns into a partial update when it is there. See :mod:`forms.naming` for the names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from markupsafe import Markup

from forms import layout, maps
from forms import ui as uis
from forms.compiled import compile_schema
from forms.defaults import fill
from forms.fields import Alternative, Field, plan
from forms.html import hidden, join, tag
from forms.layout import Ctx, Node, Texts
from forms.merge import as_schema
from forms.naming import MISSING, action_name, extra_row, field_id, form_id, marker_name
from forms.naming import join as join_pointer
from forms.resolve import (
    TRIGGERS,
    branch_title,
    can_add_items,
    extra_schema,
    fixed_count,
    flatten,
    has_extra_rows,
    item_schema,
)
from forms.validation import Errors
from forms.values import to_json
from forms.widgets import PRESENT, render_hidden, render_null, render_single

ROOT_LABEL = "Respuesta"  # what an untitled form's single field is called


def render(schema: Any, ui_schema: Any = None, data: Any = None, errors: Errors | None = None, prefix: str = "",
           *, choices: Mapping[str, int] | None = None) -> Markup:
    """The fields of the form for ``data`` (``None``: a new form, with the schema's defaults).

    ``errors`` is what :func:`forms.validate` returned; ``choices`` the alternatives the
    person picked (:func:`forms.read_choices`), so a choice is kept while its fields are empty.

    :raises SchemaError: when the schema is not usable.
    """
    c = compile_schema(schema)
    value = fill(c, c.root, MISSING, required=True) if data is None else data
    ctx = Ctx(c, dict(errors or {}), prefix, choices or {})
    body = render_node(ctx, c.root, value, Node("", "", uis.as_ui(ui_schema), ROOT_LABEL), root=True)
    # The fronts load the map's script only for forms that may show a map (see forms.maps).
    attributes = {"class": "formulario", "id": form_id(prefix), "data-has-map": maps.used(ui_schema)}
    return tag("div", attributes, layout.summary(ctx), body)


def render_node(ctx: Ctx, schema: Any, value: Any, node: Node, root: bool = False) -> Markup:
    """The field for ``value`` at ``node``, whatever its kind."""
    uis.note_field(node.ui)
    f = plan(ctx.c, schema, value, node.ui, ctx.choices.get(node.path))
    readonly = not node.readonly and (f.schema.get("readOnly") is True or node.ui.get("ui:readonly") is True)
    disabled = not node.disabled and node.ui.get("ui:disabled") is True
    if readonly or disabled:
        node = replace(node, readonly=node.readonly or readonly, disabled=node.disabled or disabled)
    if f.alternative is not None:
        return _alternative(ctx, f, f.alternative, value, node, root)
    return _body(ctx, f, value, node, root)


def _body(ctx: Ctx, f: Field, value: Any, node: Node, root: bool) -> Markup:
    if f.kind == "object":
        return _object(ctx, f, value, node, root)
    if f.kind == "array":
        return _array(ctx, f, value, node)
    if f.kind == "hidden":
        return render_hidden(ctx, node, f, value)
    if f.kind == "null":
        return render_null(ctx, node, f, value)
    return render_single(ctx, node, f, value)


def _alternative(ctx: Ctx, f: Field, alternative: Alternative, value: Any, node: Node, root: bool) -> Markup:
    """A selector of alternatives, and the fields of the chosen one (swapped when it changes)."""
    box = field_id(node.name, ctx.prefix) + "--alternativa"
    sid = field_id(node.name, ctx.prefix) + "--opcion"
    title = uis.text(node.ui, "title") or alternative.title or (node.label if node.path else "el formulario")
    discriminator = _discriminator(f.schema)
    options = []
    for i, branch in enumerate(alternative.branches):
        text = branch_title(ctx.c, branch, i, discriminator)
        options.append(tag("option", {"value": str(i), "selected": i == alternative.index}, text))
    attributes = {
        "id": sid, "name": marker_name("c", node.name, ctx.prefix), "disabled": node.disabled or node.readonly,
        **layout.swap(box), "hx-trigger": "change",
        "hx-vals": _action_vals(ctx, f"actualizar {node.name}"),
    }
    selector = [
        tag("label", {"for": sid}, f"Opción para «{title}»"),
        tag("select", attributes, *options),
    ]
    if node.disabled or node.readonly:
        selector.append(tag("input", {"type": "hidden", "name": attributes["name"], "value": str(alternative.index)}))
    else:
        selector.append(layout.refresh_button(ctx, box, node.name))
    chooser = tag("div", {"class": "campo campo-alternativa"}, *selector)
    return tag("div", {"class": "alternativa", "id": box}, chooser, _body(ctx, f, value, node, root))


def _discriminator(s: Mapping[str, Any]) -> str | None:
    found = as_schema(s.get("discriminator")).get("propertyName")
    return found if isinstance(found, str) else None


def _action_vals(ctx: Ctx, action: str) -> str:
    return json.dumps({action_name(ctx.prefix): action}, ensure_ascii=False)


def _object(ctx: Ctx, f: Field, value: Any, node: Node, root: bool) -> Markup:
    s = f.schema
    obj = value if isinstance(value, dict) else {}
    t = layout.texts(ctx, node, s)
    triggers = set(s.get(TRIGGERS) or [])
    required = set(s.get("required") or [])
    properties = as_schema(s.get("properties"))
    children: list[Any] = []
    if isinstance(value, dict):
        children.append(_marker(ctx, "o", node.name, PRESENT))
    same = node.path == node.name  # they differ only below key/value rows
    names = uis.order(properties, node.ui)
    point = maps.pin(ctx.c, s, f.widget, names)
    for name in names:
        if point is not None and name == point.first:
            children.append(maps.box(ctx, node, t, point))
        path = join_pointer(node.path, name)
        child = node.under(path, path if same else join_pointer(node.name, name), uis.child(node.ui, name),
                           name, name in required)
        if name in triggers:
            child = replace(child, refresh=(t.fid, node.name))
        children.append(render_node(ctx, properties[name], obj.get(name, MISSING), child))
    if has_extra_rows(s):
        children.append(_extra_rows(ctx, s, obj, node, t))
    rest = {k: v for k, v in obj.items() if k not in properties and k not in extra_keys(s, obj)}
    if rest:  # data no field shows (rjsf keeps it too): it travels untouched
        children.append(_marker(ctx, "r", node.name, to_json(rest)))
    if triggers:
        children.append(layout.refresh_button(ctx, t.fid, node.name))
    titled = uis.text(node.ui, "title") or s.get("title")
    return layout.group(node, t, *children, bare=root and not titled)


def _marker(ctx: Ctx, kind: str, name: str, value: str) -> Markup:
    return hidden(marker_name(kind, name, ctx.prefix), value)


def _array(ctx: Ctx, f: Field, value: Any, node: Node) -> Markup:
    s = f.schema
    rows = value if isinstance(value, list) else []
    t = layout.texts(ctx, node, s)
    fixed = fixed_count(s)
    children: list[Any] = [_marker(ctx, "a", node.name, str(len(rows)) if isinstance(value, list) else "")]
    for i, row in enumerate(rows):
        sub = item_schema(s, i)
        row_ui = uis.item(node.ui, i, fixed)
        label = _row_label(ctx, sub, i, fixed)
        if "ui:title" not in row_ui:
            row_ui = {**row_ui, "ui:title": label}
        row_node = node.under(join_pointer(node.path, i), join_pointer(node.name, i), row_ui, label)
        buttons = _row_buttons(ctx, node, t, i, len(rows), fixed)
        children.append(tag("div", {"class": "fila"}, render_node(ctx, sub, row, row_node), buttons))
    maximum = s.get("maxItems")
    room = not isinstance(maximum, int) or len(rows) < maximum
    if can_add_items(s) and room and _allowed(node, "addable"):
        children.append(layout.action_button(ctx, "Agregar", f"agregar {node.name}", t.fid, f"{t.fid}--agregar",
                                             f"Agregar un elemento a «{t.title}»"))
    return layout.group(node, t, *children, kind="grupo lista")


def _allowed(node: Node, option: str) -> bool:
    return not (node.readonly or node.disabled) and uis.option(node.ui, option) is not False


def _row_label(ctx: Ctx, sub: Any, index: int, fixed: int) -> str:
    title = flatten(ctx.c, sub).get("title")
    if index < fixed and isinstance(title, str) and title:
        return title
    return f"{title if isinstance(title, str) and title else 'Elemento'} {index + 1}"


def _row_buttons(ctx: Ctx, node: Node, t: Texts, index: int, count: int, fixed: int) -> Markup:
    if index < fixed:
        return Markup("")
    row = join_pointer(node.name, index)
    rid = field_id(row, ctx.prefix)
    buttons = []
    if _allowed(node, "orderable"):
        if index > fixed:
            buttons.append(layout.action_button(ctx, "Subir", f"subir {row}", t.fid, f"{rid}--fila-subir",
                                                f"Subir el elemento {index + 1} de «{t.title}»"))
        if index < count - 1:
            buttons.append(layout.action_button(ctx, "Bajar", f"bajar {row}", t.fid, f"{rid}--fila-bajar",
                                                f"Bajar el elemento {index + 1} de «{t.title}»"))
    if _allowed(node, "removable"):
        buttons.append(layout.action_button(ctx, "Quitar", f"quitar {row}", t.fid, f"{rid}--fila-quitar",
                                            f"Quitar el elemento {index + 1} de «{t.title}»"))
    return tag("div", {"class": "acciones"}, *buttons) if buttons else Markup("")


def extra_keys(s: Mapping[str, Any], obj: Mapping[str, Any]) -> list[str]:
    """The keys of ``obj`` shown as key/value rows."""
    declared = as_schema(s.get("properties"))
    return [k for k in obj if k not in declared and extra_schema(dict(s), k) is not None]


def _extra_rows(ctx: Ctx, s: dict[str, Any], obj: Mapping[str, Any], node: Node, t: Texts) -> Markup:
    keys = extra_keys(s, obj)
    names = _allowed_names(s)
    rows: list[Any] = [_marker(ctx, "e", node.name, str(len(keys)))]
    for i, key in enumerate(keys):
        row = extra_row(node.name, i)
        rid = field_id(row, ctx.prefix)
        key_attrs = {"type": "text", "id": f"{rid}--clave", "name": marker_name("k", row, ctx.prefix), "value": key,
                     "list": f"{t.fid}--nombres" if names else None, "readonly": node.readonly or node.disabled}
        key_field = tag("div", {"class": "campo campo-clave"},
                        tag("label", {"for": f"{rid}--clave"}, f"Nombre del campo adicional {i + 1}"),
                        tag("input", key_attrs))
        value_node = node.under(join_pointer(node.path, key), row, uis.as_ui(node.ui.get("additionalProperties")),
                                f"Valor de «{key}»")
        value_node = replace(value_node, ui={**value_node.ui, "ui:title": f"Valor de «{key}»"})
        body = render_node(ctx, extra_schema(s, key), obj[key], value_node)
        remove = None
        if _allowed(node, "removable"):
            remove = layout.action_button(ctx, "Quitar", f"quitar {row}", t.fid, f"{rid}--fila-quitar",
                                          f"Quitar el campo adicional «{key}»")
        rows.append(tag("div", {"class": "fila fila-extra"}, key_field, body, remove))
    if names:
        rows.append(tag("datalist", {"id": f"{t.fid}--nombres"}, *[tag("option", {"value": n}) for n in names]))
    if _allowed(node, "addable") and not (names and len(keys) >= len(names)):
        where = t.title or "el formulario"
        rows.append(layout.action_button(ctx, "Agregar un campo", f"agregar {node.name}", t.fid,
                                         f"{t.fid}--agregar", f"Agregar un campo adicional a «{where}»"))
    return join(rows)


def _allowed_names(s: Mapping[str, Any]) -> list[str]:
    names = as_schema(s.get("propertyNames")).get("enum")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
