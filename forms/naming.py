"""How inputs, markers and elements are named, and JSON pointers.

One scheme for every widget: the value of the field at JSON pointer ``/titular/documento``
travels in the input named ``$/titular/documento`` (``prefix`` in front when two forms share a
page; the root is ``$``). Hidden markers that describe the form's shape (rows of an array,
the chosen alternative, a kept document, "this object was there") are named
``!<kind><pointer>``; the two spaces cannot collide because a pointer is empty or starts
with ``/``. Element ids are derived from the pointer with characters CSS selectors accept.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

ACTION_FIELD = "__accion"
EXTRA_ROW = "~e"


class _Missing:
    """The absence of a value (distinct from ``None``, which is JSON ``null``)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def escape_segment(segment: str | int) -> str:
    """Escape one reference token as RFC 6901 says."""
    return str(segment).replace("~", "~0").replace("/", "~1")


def join(pointer: str, segment: str | int) -> str:
    """The pointer of ``segment`` inside the value at ``pointer``."""
    return f"{pointer}/{escape_segment(segment)}"


def split(pointer: str) -> list[str]:
    """The unescaped reference tokens of ``pointer`` (``""`` is the root: no tokens)."""
    if not pointer:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def from_path(path: Any) -> str:
    """The pointer for a sequence of keys and indexes (as jsonschema reports them)."""
    return "".join("/" + escape_segment(part) for part in path)


def get(data: Any, pointer: str) -> Any:
    """The value at ``pointer`` inside ``data``, or :data:`MISSING`."""
    value = data
    for token in split(pointer):
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return MISSING
    return value


def value_name(pointer: str, prefix: str = "") -> str:
    """The name of the input that carries the value at ``pointer``."""
    return f"{prefix}${pointer}"


def marker_name(kind: str, pointer: str, prefix: str = "") -> str:
    """The name of a hidden marker of ``kind`` (letters and digits) about ``pointer``."""
    return f"{prefix}!{kind}{pointer}"


def action_name(prefix: str = "") -> str:
    """The name of the buttons that add, remove or move rows (``<prefix>__accion``)."""
    return f"{prefix}{ACTION_FIELD}"


def extra_row(pointer: str, index: int) -> str:
    """The name pointer of key/value row ``index`` of the object at ``pointer``.

    Its key is an input people edit, so the row is named by position; ``~e`` never appears
    in an escaped pointer (only ``~0`` and ``~1`` do), so it cannot collide with a property.
    """
    return f"{pointer}/{EXTRA_ROW}{index}"


@lru_cache(maxsize=4096)
def _encode(segment: str) -> str:
    # Letters and digits stay; "_" doubles; anything else becomes "_<hex>_"; "" is "_z".
    # Injective, and never produces "-", so "-" separates segments and "--" starts suffixes.
    if segment == "":
        return "_z"
    out = []
    for char in segment:
        if char.isascii() and char.isalnum():
            out.append(char)
        elif char == "_":
            out.append("__")
        else:
            out.append(f"_{ord(char):x}_")
    return "".join(out)


@lru_cache(maxsize=16384)
def field_id(pointer: str, prefix: str = "") -> str:
    """The id of the control (or group) that shows the value at ``pointer``."""
    head = "campo" + ("_p" + _encode(prefix) if prefix else "")
    return head + "".join("-" + _encode(token) for token in split(pointer))


def form_id(prefix: str = "") -> str:
    """The id of the element that wraps a whole rendered form."""
    return field_id("", prefix) + "--formulario"
