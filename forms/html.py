"""A tiny HTML builder: every attribute value and every text is escaped here.

Fragments are plain strings inside and :class:`Markup` at the edges: building a form
creates thousands of fragments, and escaping through Markup objects for each one
doubled the time to render a large form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape as _escape
from typing import Any

from markupsafe import Markup

VOID = frozenset({"input", "br", "hr", "img", "meta", "link"})
_UNSAFE = re.compile(r"[&<>\"']")


class _Built(Markup):
    """Markup this module built from escaped parts: made without Markup's own checks (speed)."""

    __slots__ = ()

    def __new__(cls, text: str = "") -> _Built:
        return str.__new__(cls, text)


def _escape_text(text: str) -> str:
    # Most values (ids, names, numbers) need no escaping: a C-speed search skips the copies.
    return _escape(text, quote=True) if _UNSAFE.search(text) else text


def _text(value: Any) -> str:
    """``value`` as HTML: markup as it is, anything else escaped."""
    if isinstance(value, Markup):
        return str(value)
    return _escape_text(str(value))


def attrs(values: Mapping[str, Any]) -> str:
    """Render attributes: ``None``/``False`` are left out, ``True`` is a bare attribute."""
    parts = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(f" {name}")
        else:
            parts.append(f' {name}="{_escape_text(str(value))}"')
    return "".join(parts)


def tag(name: str, attributes: Mapping[str, Any] | None = None, *children: Any) -> Markup:
    """One element; children that are not :class:`Markup` are escaped as text."""
    opening = f"<{name}{attrs(attributes or {})}>"
    if name in VOID:
        return _Built(opening)
    inner = "".join(_text(c) for c in children if c is not None)
    return _Built(f"{opening}{inner}</{name}>")


def join(parts: Iterable[Any]) -> Markup:
    """Concatenate fragments, escaping plain strings."""
    return _Built("".join(_text(p) for p in parts if p is not None))


def option(value: str, text: str, selected: bool = False, disabled: bool = False) -> Markup:
    """One ``<option>``: the same as :func:`tag`, faster (a select may hold hundreds)."""
    flags = (" selected" if selected else "") + (" disabled" if disabled else "")
    return _Built(f'<option value="{_escape_text(value)}"{flags}>{_escape_text(text)}</option>')


def describedby(*ids: str | None) -> str | None:
    """The value of ``aria-describedby`` for the ids that exist, or ``None``."""
    present = [i for i in ids if i]
    return " ".join(present) if present else None
