"""A tiny HTML builder: every attribute value and every text is escaped here.

Fragments are plain strings inside and :class:`Markup` at the edges: building a form
creates thousands of fragments, and escaping through Markup objects for each one
doubled the time to render a large form. The elements written most often (inputs, labels,
selects, the boxes around fields) are put together by their modules as f-strings whose every
value goes through :func:`esc` (or :func:`content`); everything else goes through :func:`tag`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from html import escape as _escape
from typing import Any

from markupsafe import Markup

VOID = frozenset({"input", "br", "hr", "img", "meta", "link"})
_UNSAFE = re.compile(r"[&<>\"']")
_search = _UNSAFE.search


class _Built(Markup):
    """Markup this module built from escaped parts: made without Markup's own checks (speed)."""

    __slots__ = ()

    def __new__(cls, text: str = "") -> _Built:
        return str.__new__(cls, text)


# ``built(text)``: ``text``, HTML already escaped by the caller, as :class:`Markup`.
built: Callable[[str], Markup] = _Built


def esc(value: Any) -> str:
    """``value`` as text escaped for an attribute value or element content (``&<>"'``).

    Markup is escaped too: use :func:`content` where markup may be a child.
    """
    text = value if type(value) is str else str(value)
    # Most values (ids, names, numbers) need no escaping: a C-speed search skips the copies.
    return _escape(text, quote=True) if _search(text) else text


def content(value: Any) -> str:
    """``value`` as HTML content: markup as it is, anything else escaped."""
    if isinstance(value, Markup):
        return str(value)
    return esc(value)


def concat(parts: Iterable[Any]) -> str:
    """Fragments as one HTML string: markup as it is, plain strings escaped, ``None`` left out."""
    return "".join([content(p) for p in parts if p is not None])


def attrs(values: Mapping[str, Any]) -> str:
    """Render attributes: ``None``/``False`` are left out, ``True`` is a bare attribute."""
    out = ""
    for name, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            out += " " + name
            continue
        text = value if type(value) is str else str(value)
        if _search(text):
            text = _escape(text, quote=True)
        out += f' {name}="{text}"'
    return out


def attr(name: str, value: Any) -> str:
    """One attribute as :func:`attrs` writes it (``""`` for ``None``/``False``)."""
    if value is None or value is False:
        return ""
    if value is True:
        return " " + name
    return f' {name}="{esc(value)}"'


def tag(name: str, attributes: Mapping[str, Any] | None = None, *children: Any) -> Markup:
    """One element; children that are not :class:`Markup` are escaped as text."""
    opening = f"<{name}{attrs(attributes)}>" if attributes else f"<{name}>"
    if name in VOID:
        return _Built(opening)
    if not children:
        return _Built(f"{opening}</{name}>")
    inner = concat(children)
    return _Built(f"{opening}{inner}</{name}>")


def join(parts: Iterable[Any]) -> Markup:
    """Concatenate fragments, escaping plain strings."""
    return _Built(concat(parts))


def option(value: str, text: str, selected: bool = False, disabled: bool = False) -> Markup:
    """One ``<option>``: the same as :func:`tag`, faster (a select may hold hundreds)."""
    flags = (" selected" if selected else "") + (" disabled" if disabled else "")
    return _Built(f'<option value="{esc(value)}"{flags}>{esc(text)}</option>')


def hidden(name: str, value: str) -> Markup:
    """``<input type="hidden">``: the same as :func:`tag`, faster (forms hold many)."""
    return _Built(f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">')


def describedby(*ids: str | None) -> str | None:
    """The value of ``aria-describedby`` for the ids that exist, or ``None``."""
    present = [i for i in ids if i]
    return " ".join(present) if present else None
