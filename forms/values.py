"""JSON values as the text of form controls, and back.

The text of a value must come back as the same value: numbers keep their type, option
values are told apart even when they are objects, and a value that does not fit its field
(the string ``"abc"`` in a number field) is shown and returned as it is, so validation can
say what is wrong with it instead of the form silently dropping it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from forms.naming import MISSING

_LOCAL_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)([Zz]|[+-]\d{2}:\d{2})$")
# Argentina keeps one offset all year; a date-time typed into an empty field gets this one.
DEFAULT_OFFSET = "-03:00"


def to_json(value: Any) -> str:
    """Compact, stable JSON text (keys sorted, so equal values have equal text)."""
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return repr(value)  # what json writes for a number, without its encoder's setup
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def text_of(value: Any) -> str:
    """The text an input shows for ``value`` (``""`` when absent or null)."""
    if value is MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return to_json(value)


def option_key(value: Any) -> str:
    """The ``value`` attribute of an option: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else to_json(value)


def from_option(text: str, options: list[tuple[Any, str]]) -> Any:
    """The option whose key is ``text``; an unknown key comes back as JSON or text."""
    for value, _ in options:
        if option_key(value) == text:
            return value
    return _json_or_text(text)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _number(text: str, integer: bool) -> Any:
    candidate = text.strip()
    if "," in candidate and "." not in candidate:
        candidate = candidate.replace(",", ".")  # people here write a decimal comma
    try:
        return int(candidate)
    except ValueError:
        pass
    try:
        number = float(candidate)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(number) if integer and number.is_integer() else number


def from_text(text: str, kind: str | None) -> Any:
    """The value a person typed, for a field of JSON type ``kind``."""
    if kind == "integer":
        return _number(text, integer=True)
    if kind == "number":
        return _number(text, integer=False)
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if kind is None or kind in ("object", "array", "null"):
        return _json_or_text(text)
    return text


def split_date_time(value: Any) -> tuple[str, str] | None:
    """``(local part, offset)`` of an RFC 3339 date-time, as a ``datetime-local`` input needs."""
    if not isinstance(value, str):
        return None
    match = _LOCAL_DATE_TIME.match(value)
    return (match[1], match[2]) if match else None


def join_date_time(local: str, offset: str) -> str:
    """An RFC 3339 date-time from a ``datetime-local`` value and the offset kept aside."""
    if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", local):
        local += ":00"  # RFC 3339 needs seconds; browsers leave them out when zero
    return local + (offset or DEFAULT_OFFSET)
