"""The controls of single values: inputs, text areas, selects, radios, checkboxes, files.

A control that the browser would not send (disabled, or read-only where HTML has no
read-only state) gets hidden copies of its value, so the form still parses back whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from forms import layout
from forms import ui as uis
from forms.fields import Field, input_type, multi_options
from forms.formats import is_file_ref
from forms.html import attr, built, esc, hidden, join, option, tag
from forms.layout import Ctx, Node, Texts
from forms.messages import display
from forms.naming import MISSING, marker_name, value_name
from forms.values import option_key, split_date_time, text_of, to_json

PRESENT = "1"


def _hidden(name: str, value: str) -> Markup:
    return hidden(name, value)


def _frozen(node: Node, f: Field) -> bool:
    """Whether the control must be disabled (and its value travel in hidden copies)."""
    return node.disabled or (node.readonly and f.kind not in ("input", "textarea", "json"))


def _common(ctx: Ctx, node: Node, t: Texts, frozen: bool, required: bool = True, readonly: bool = True) -> str:
    """The attributes every control has (as HTML): id, name, ARIA, state, htmx refresh."""
    out = f' id="{t.fid}"' if frozen else f' id="{t.fid}" name="{esc(value_name(node.name, ctx.prefix))}"'
    described = t.described_by()
    if described:
        out += f' aria-describedby="{described}"'
    if t.errors:
        out += ' aria-invalid="true"'
    if required and t.required:
        out += ' aria-required="true"'
    if node.ui and uis.option(node.ui, "autofocus") is True:
        out += " autofocus"
    if frozen:
        out += " disabled"
    elif readonly and node.readonly:
        out += " readonly"
    return out + layout.refresh_html(ctx, node) if node.refresh else out


def render_single(ctx: Ctx, node: Node, f: Field, value: Any) -> Markup:
    """A field with one control (or one group of radios/checkboxes) and its texts."""
    t = layout.texts(ctx, node, f.schema)
    frozen = _frozen(node, f)
    builder = BUILDERS[f.kind]
    was = _was(ctx, node, value)
    control = builder(ctx, node, f, value, t, frozen)
    if was is not None:
        control = built(was + control)
    if f.kind in ("radio", "multi") and not (f.kind == "multi" and f.widget == "select"):
        return control
    # layout.wrapper, written out: the most common box of all.
    before, after = layout.notes_before(t), layout.notes_after(t)
    if f.kind == "checkbox":
        body = f"{control}{before}{after}"
    else:
        body = f"{before}{control}{after}" if hide_label(node) else f"{layout.label(t)}{before}{control}{after}"
    return built(f'<div class="{layout.classes(f"campo campo-{f.kind}", t, node)}" id="{t.fid}--campo">{body}</div>')


def _was(ctx: Ctx, node: Node, value: Any) -> Markup | None:
    """What an emptied control had: ``null``, or a value (then ``ui:emptyValue`` applies).

    Without it an empty input could not tell "left as it was, absent" from "cleared".
    """
    if value is None:
        return _hidden(marker_name("v", node.name, ctx.prefix), "null")
    if value is not MISSING and "ui:emptyValue" in node.ui:
        return _hidden(marker_name("v", node.name, ctx.prefix), PRESENT)
    return None


def _input(ctx: Ctx, node: Node, f: Field, value: Any, t: Texts, frozen: bool) -> Markup:
    kind = input_type(f, node.ui)
    text = text_of(value)
    extra: list[str] = []
    if kind == "number" and value is not MISSING and value is not None and isinstance(value, str):
        kind = "text"  # a wrong value is shown as typed, so the person sees what to fix
    if kind == "range" and (value is MISSING or isinstance(value, str)):
        kind = "number"  # a range always sends a value: it cannot show "no answer yet"
    if kind == "datetime-local" and value is not MISSING:
        parts = split_date_time(value)
        if parts is None:
            kind = "text"
        else:
            text = parts[0]
            extra.append(_hidden(marker_name("z", node.name, ctx.prefix), parts[1]))
    out = f'<input type="{esc(kind)}"{_common(ctx, node, t, frozen)} value="{esc(text)}"{_limits(f, kind)}'
    if node.ui:
        out += attr("placeholder", uis.text(node.ui, "placeholder")) + attr(
            "autocomplete", uis.text(node.ui, "autocomplete"))
        if hide_label(node):
            out += attr("aria-label", t.title)
    examples = f.schema.get("examples")
    if isinstance(examples, list) and examples and kind in ("text", "email", "url", "number", "tel"):
        out += f' list="{t.fid}--ejemplos"'
        options = [tag("option", {"value": text_of(e)}) for e in examples]
        extra.append(tag("datalist", {"id": f"{t.fid}--ejemplos"}, *options))
    if frozen:
        extra.append(_hidden(value_name(node.name, ctx.prefix), text))
    return built(f"{out}>{''.join(extra)}")


def hide_label(node: Node) -> bool:
    return bool(node.ui) and uis.option(node.ui, "label") is False


def _limits(f: Field, kind: str) -> str:
    s = f.schema
    if kind in ("number", "range"):
        step = s.get("multipleOf", 1 if f.type == "integer" else "any")
        return attr("min", _num(s.get("minimum"))) + attr("max", _num(s.get("maximum"))) + attr("step", _num(step))
    if kind == "datetime-local" or kind == "time":
        return ' step="1"'
    if kind in ("text", "password", "email", "url", "tel"):
        length = s.get("maxLength")
        return attr("maxlength", length if isinstance(length, int) and not isinstance(length, bool) else None)
    return ""


def _num(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    return value


def _textarea(ctx: Ctx, node: Node, f: Field, value: Any, t: Texts, frozen: bool) -> Markup:
    text = text_of(value) if f.kind == "json" or not isinstance(value, dict | list) else to_json(value)
    rows = uis.option(node.ui, "rows")
    out = _common(ctx, node, t, frozen) + attr("rows", rows if isinstance(rows, int) else None)
    out += attr("placeholder", uis.text(node.ui, "placeholder"))
    if hide_label(node):
        out += attr("aria-label", t.title)
    # A newline right after <textarea> is dropped by browsers: keep a leading one.
    copy = _hidden(value_name(node.name, ctx.prefix), text) if frozen else ""
    return built(f"<textarea{out}>\n{escape(text)}</textarea>{copy}")


def _select(ctx: Ctx, node: Node, f: Field, value: Any, t: Texts, frozen: bool) -> Markup:
    options = f.options or []
    current = option_key(value) if value is not MISSING else None
    placeholder = uis.text(node.ui, "placeholder") or "Elija una opción"
    chosen = {current} if current is not None else set()
    if f.options_html is not None and not node.ui.get("ui:enumDisabled"):
        items = _prepared_options(f.options_html, chosen)
    else:
        items = "".join(_options(node, options, chosen))
    out = _common(ctx, node, t, frozen) + attr("aria-label", t.title if hide_label(node) else None)
    copy = _hidden(value_name(node.name, ctx.prefix), current) if frozen and current is not None else ""
    return built(f'<select{out}><option value="">{esc(placeholder)}</option>{items}</select>{copy}')


def _prepared_options(prepared: tuple[str, frozenset[str]], chosen: set[str]) -> str:
    """The same as :func:`_options` with no option disabled, from :attr:`Field.options_html`."""
    items, keys = prepared
    for key in chosen & keys:
        plain = f'<option value="{esc(key)}">'
        items = items.replace(plain, plain[:-1] + " selected>")
    for key in sorted(chosen - keys):  # a value the options do not hold: shown, so it can be fixed
        items = f'{items}{option(key, f"{key} (no válido)", selected=True)}'
    return items


def _options(node: Node, options: list[tuple[Any, str]], chosen: set[str]) -> list[Markup]:
    disabled = node.ui.get("ui:enumDisabled")
    disabled = disabled if isinstance(disabled, list) else []
    items = []
    keys = set()
    for value, text in options:
        key = option_key(value)
        keys.add(key)
        selected = key in chosen
        items.append(option(key, text, selected, bool(disabled) and not selected and value in disabled))
    for key in sorted(chosen - keys):  # a value the options do not hold: shown, so it can be fixed
        items.append(option(key, f"{key} (no válido)", selected=True))
    return items


def _choices(ctx: Ctx, node: Node, t: Texts, frozen: bool, kind: str,
             options: list[tuple[Any, str]], chosen: set[str]) -> list[Markup]:
    """Radio buttons or checkboxes, one per option, each with its own label."""
    disabled = node.ui.get("ui:enumDisabled")
    disabled = disabled if isinstance(disabled, list) else []
    items = []
    keys = [option_key(o) for o, _ in options]
    extra = [(k, f"{k} (no válido)") for k in sorted(chosen - set(keys))]
    for i, (key, text) in enumerate([*zip(keys, [text for _, text in options], strict=True), *extra]):
        oid = f"{t.fid}--{i}"
        attributes = {
            "type": kind, "id": oid, "name": None if frozen else value_name(node.name, ctx.prefix), "value": key,
            "checked": key in chosen, "disabled": frozen or (i < len(options) and options[i][0] in disabled),
            "aria-invalid": "true" if t.errors else None, **layout.refresh_attributes(ctx, node),
        }
        box = tag("span", {"class": "opcion"}, tag("input", attributes), " ", tag("label", {"for": oid}, text))
        items.append(box)
        if frozen and key in chosen:
            items.append(_hidden(value_name(node.name, ctx.prefix), key))
    return items


def _radio(ctx: Ctx, node: Node, f: Field, value: Any, t: Texts, frozen: bool) -> Markup:
    chosen = {option_key(value)} if value is not MISSING else set()
    items = _choices(ctx, node, t, frozen, "radio", f.options or [], chosen)
    return _choice_group(node, t, "radio", items)


def _choice_group(node: Node, t: Texts, kind: str, items: list[Markup]) -> Markup:
    inline = " en-linea" if uis.option(node.ui, "inline") is True else ""
    body = tag("div", {"class": f"opciones{inline}"}, *items)
    return layout.group(node, t, body, kind=f"campo campo-{kind}")


def _multi(ctx: Ctx, node: Node, f: Field, value: Any, t: Texts, frozen: bool) -> Markup:
    options = multi_options(ctx.c, f.schema, node.ui)
    chosen = {option_key(v) for v in value} if isinstance(value, list) else set()
    marker = _hidden(marker_name("m", node.name, ctx.prefix), PRESENT) if isinstance(value, list) else None
    if f.widget == "select":
        out = _common(ctx, node, t, frozen, required=False)
        copies = [_hidden(value_name(node.name, ctx.prefix), k) for k in sorted(chosen)] if frozen else []
        select = built(f'<select{out} multiple>{"".join(_options(node, options, chosen))}</select>')
        return join([select, marker, *copies])
    items = _choices(ctx, node, t, frozen, "checkbox", options, chosen)
    return _choice_group(node, t, "checkboxes", [*items, marker] if marker else items)


def _checkbox(ctx: Ctx, node: Node, f: Field, value: Any, t: Texts, frozen: bool) -> Markup:
    # The companion tells "unchecked" (false) from "not on screen"; an optional box that
    # had no answer stays without one until the person checks it.
    shown = PRESENT if value is not MISSING or node.required else ""
    companion = _hidden(marker_name("b", node.name, ctx.prefix), shown)
    out = _common(ctx, node, t, frozen, required=False) + ' value="true"' + (" checked" if value is True else "")
    hide = hide_label(node)
    if hide:
        out += attr("aria-label", t.title)
    copy = _hidden(value_name(node.name, ctx.prefix), "true") if frozen and value is True else ""
    text = "" if hide else layout.label(t)
    return built(f'{companion}<input type="checkbox"{out}> {text}{copy}')


def _file(ctx: Ctx, node: Node, f: Field, value: Any, t: Texts, frozen: bool) -> Markup:
    accept = uis.option(node.ui, "accept")
    out = _common(ctx, node, t, frozen, readonly=False) + attr("accept", accept if isinstance(accept, str) else None)
    parts = [built(f'<input type="file"{out}>')]
    if value is not MISSING and value is not None:
        parts.insert(0, _hidden(marker_name("f", node.name, ctx.prefix), to_json(value)))
        parts.append(_current_file(ctx, node, t, value, frozen))
    return join(parts)


def _current_file(ctx: Ctx, node: Node, t: Texts, value: Any, frozen: bool) -> Markup:
    if is_file_ref(value):
        name = f"{value['name']} ({_size(value['size'])})"
    else:
        name = "un archivo adjunto" if isinstance(value, str) and value.startswith("data:") else display(value)
    parts: list[Any] = [tag("span", {}, "Archivo actual: ", name)]
    if not frozen:
        rid = f"{t.fid}--quitar"
        remove = {"type": "checkbox", "id": rid, "name": marker_name("x", node.name, ctx.prefix), "value": PRESENT}
        parts += [" ", tag("input", remove), " ", tag("label", {"for": rid}, "Quitar este archivo")]
    return tag("p", {"class": "archivo-actual"}, *parts)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


Builder = Callable[[Ctx, Node, Field, Any, Texts, bool], Markup]
BUILDERS: dict[str, Builder] = {
    "input": _input,
    "textarea": _textarea,
    "json": _textarea,
    "select": _select,
    "radio": _radio,
    "multi": _multi,
    "checkbox": _checkbox,
    "file": _file,
}


def render_hidden(ctx: Ctx, node: Node, f: Field, value: Any) -> Markup:
    """``ui:widget: hidden``: the value travels, nothing is shown."""
    ctx.targets.setdefault(node.path, (layout.texts(ctx, node, f.schema).fid, node.label))
    text = text_of(value) if isinstance(value, str) or value is MISSING else to_json(value)
    present = value is not MISSING
    return _hidden(value_name(node.name, ctx.prefix), text) if present else Markup("")


def render_null(ctx: Ctx, node: Node, f: Field, value: Any) -> Markup:
    """A ``"type": "null"`` field: text to read, and a marker that keeps its ``null``."""
    t = layout.texts(ctx, node, f.schema)
    marker = _hidden(marker_name("p", node.name, ctx.prefix), PRESENT) if value is None else None
    title = tag("p", {"class": "titulo", "id": t.fid}, t.title)
    return layout.wrapper("nulo", node, t, title, layout.notes_before(t), layout.notes_after(t), marker)
