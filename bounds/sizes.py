"""Size estimates the sandbox's guards make *before* an operation that could build a huge result.

Counting happens as the text or JSON of a value would be written: a structure that holds the
same list a thousand times counts it a thousand times, because ``str()``, ``json.dumps`` and
the serializer of the task data would write it a thousand times. Every estimate stops as soon
as it passes its limit, so it costs at most about ``limit / 2`` steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

_CONTAINERS = (list, tuple, set, frozenset, dict)
_CONTAINER_TYPES = frozenset(_CONTAINERS)
_SHORT = frozenset({float, bool, type(None)})  # at most 24 characters; 8 on average
_OTHER = 32  # characters assumed for a value whose text is short: a float, a date, a function


def text_size(value: Any, limit: int) -> int:
    """Estimate the characters of ``value`` written as text or JSON; any result above ``limit`` stops the count.

    :param value: plain data (strings, numbers, lists, tuples, sets, dicts, dates, decimals).
    :param limit: counting stops once the estimate exceeds it.
    :return: the estimate, or a number above ``limit``.
    """
    total = 0
    pending = [value]
    while pending and total <= limit:
        item = pending.pop()
        if _is_mapping(item):
            total += 2 + _items_size(item.keys(), pending, limit - total)
            total += _items_size(item.values(), pending, limit - total)
        elif isinstance(item, _CONTAINERS):
            total += 2 + _items_size(item, pending, limit - total)
        else:
            total += _scalar_size(item)
    return total


def _items_size(items: Iterable[Any], pending: list[Any], budget: int) -> int:
    """Size of the scalars among ``items`` (each with a separator); containers go to ``pending``.

    Stops once the size passes ``budget``.
    """
    total = 0
    for item in items:
        if total > budget:
            break
        kind = type(item)
        if kind is str:
            total += len(item) + 4
        elif kind is int:
            total += item.bit_length() // 3 + 4  # decimal digits ≈ bits × 0.30103
        elif kind in _SHORT:
            total += 8
        elif is_container(item):
            pending.append(item)
            total += 2
        else:
            total += _scalar_size(item) + 2
    return total


def _scalar_size(item: Any) -> int:
    if isinstance(item, str | bytes | bytearray):
        return len(item) + 2
    if isinstance(item, int):  # bool too
        return item.bit_length() // 3 + 2
    if isinstance(item, Decimal):
        return len(item.as_tuple().digits) + 8
    return _OTHER


def is_container(value: Any) -> bool:
    """Whether ``value`` holds other values (its text may repeat what it holds)."""
    return type(value) in _CONTAINER_TYPES or isinstance(value, _CONTAINERS) or isinstance(value, Mapping)


def _is_mapping(value: Any) -> bool:
    kind = type(value)
    return kind is dict or (kind not in _CONTAINER_TYPES and isinstance(value, Mapping))


def estimated_size(text: str | bytes, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """Size of ``text.<name>(*args)`` for the padding methods, ``expandtabs``, ``replace`` and ``translate``."""
    first = args[0] if args else kwargs.get("tabsize", 8) if name == "expandtabs" else None
    if name == "expandtabs":
        return len(text) * first if isinstance(first, int) else len(text)
    if name == "translate":
        return _translated_size(text, first)
    if name == "replace":
        old, new = (args + (None, None))[:2]
        count = args[2] if len(args) > 2 and isinstance(args[2], int) else -1
        try:
            found = text.count(old) if old else len(text) + 1
            grows = max(len(new) - len(old), 0)
        except TypeError:  # the call itself will say what is wrong
            return len(text)
        found = found if count < 0 else min(found, count)
        return len(text) + found * grows
    return max(len(text), first) if isinstance(first, int) else len(text)  # ljust, rjust, center, zfill


def _translated_size(text: str | bytes, table: Any) -> int:
    """``str.translate`` may map one character to a long string: the longest mapping times the length."""
    if not isinstance(text, str) or not isinstance(table, Mapping):
        return len(text)  # bytes.translate maps byte to byte
    longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
    return len(text) * max(longest, 1)
