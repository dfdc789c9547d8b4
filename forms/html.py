"""A tiny HTML builder: every attribute value and every text is escaped here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

VOID = frozenset({"input", "br", "hr", "img", "meta", "link"})


def attrs(values: Mapping[str, Any]) -> str:
    """Render attributes: ``None``/``False`` are left out, ``True`` is a bare attribute."""
    parts = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(f" {name}")
        else:
            parts.append(f' {name}="{escape(value)}"')
    return "".join(parts)


def tag(name: str, attributes: Mapping[str, Any] | None = None, *children: Any) -> Markup:
    """One element; children that are not :class:`Markup` are escaped as text."""
    opening = f"<{name}{attrs(attributes or {})}>"
    if name in VOID:
        return Markup(opening)  # noqa: S704 - attributes escaped by attrs(), name is ours
    return Markup(opening + "".join(str(escape(c)) for c in children if c is not None) + f"</{name}>")  # noqa: S704


def join(parts: Iterable[Any]) -> Markup:
    """Concatenate fragments, escaping plain strings."""
    return Markup("".join(str(escape(p)) for p in parts if p is not None))  # noqa: S704


def describedby(*ids: str | None) -> str | None:
    """The value of ``aria-describedby`` for the ids that exist, or ``None``."""
    present = [i for i in ids if i]
    return " ".join(present) if present else None
