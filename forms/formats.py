"""String formats: the ones the platform enforces, and the file reference.

``email``, ``uri``, ``date``, ``date-time`` and ``time`` are checked here (jsonschema's own
checks are looser, or need libraries that are optional). So are ``iri`` and ``iri-reference``:
jsonschema checks them with ``rfc3987-syntax``, which compiles an Earley grammar for over a
second at import, in every process; here an IRI is mapped to its URI (RFC 3987, 3.1) and that
URI is checked by ``rfc3986-validator``, the library jsonschema checks ``uri-reference`` with. A file field (``"format":
"documento"``, or rjsf's ``"data-url"``) holds a reference to a stored document, never bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlsplit

from jsonschema import FormatChecker
from rfc3986_validator import validate_rfc3986

FILE_FORMATS = frozenset({"documento", "data-url"})
FILE_REF_KEYS = ("key", "name", "content_type", "size", "sha256")

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(r"^[^@\s\"(),:;<>\[\\\]]+@" + _LABEL + r"(?:\." + _LABEL + r")+$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# RFC 3987: a ucschar may stand wherever URI syntax allows an unreserved character, an
# iprivate one only in the query; either maps to its UTF-8 bytes percent-encoded.
_UCSCHAR = (
    ((0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF))
    + tuple((plane << 16, (plane << 16) | 0xFFFD) for plane in range(1, 14))
    + ((0xE1000, 0xEFFFD),)
)
_IPRIVATE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


def is_file_ref(value: Any) -> bool:
    """Whether ``value`` is a reference to a stored document, as the fronts hand them over."""
    if not isinstance(value, dict) or set(value) != set(FILE_REF_KEYS):
        return False
    texts = all(isinstance(value[k], str) and value[k] for k in ("key", "name", "content_type"))
    size = value["size"]
    sized = isinstance(size, int) and not isinstance(size, bool) and size >= 0
    return texts and sized and isinstance(value["sha256"], str) and bool(_SHA256.match(value["sha256"]))


def is_email(value: str) -> bool:
    return len(value) <= 254 and bool(_EMAIL.match(value)) and ".." not in value


def is_uri(value: str) -> bool:
    if not value or any(c.isspace() for c in value) or ":" not in value:
        return False
    parts = urlsplit(value)
    if not _SCHEME.match(parts.scheme or ""):
        return False
    if parts.scheme.lower() in ("http", "https"):
        return bool(parts.hostname)
    return bool(parts.netloc or parts.path or parts.query)


def _within(ranges: tuple[tuple[int, int], ...], char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in ranges)


def _mapped_to_uri(value: str) -> str | None:
    """The URI an IRI maps to (RFC 3987, 3.1), or None where a character may not stand."""
    head, hash_mark, fragment = value.partition("#")
    before_query, question_mark, query = head.partition("?")
    pieces = ((before_query, False), (question_mark + query, True), (hash_mark + fragment, False))
    mapped: list[str] = []
    for text, private_allowed in pieces:
        for char in text:
            if char.isascii():
                mapped.append(char)
            elif _within(_UCSCHAR, char) or (private_allowed and _within(_IPRIVATE, char)):
                mapped.append(quote(char, safe=""))
            else:
                return None
    return "".join(mapped)


def is_iri(value: str) -> bool:
    uri = _mapped_to_uri(value)
    return uri is not None and validate_rfc3986(uri, rule="URI") is not None


def is_iri_reference(value: str) -> bool:
    uri = _mapped_to_uri(value)
    return uri is not None and validate_rfc3986(uri, rule="URI_reference") is not None


def is_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _valid_offset(offset: str | None) -> bool:
    if not offset or offset in ("Z", "z"):
        return True
    return int(offset[1:3]) < 24 and int(offset[4:6]) < 60


def is_time(value: str) -> bool:
    """``HH:MM``, ``HH:MM:SS`` (fraction allowed), with an optional offset."""
    match = _TIME.match(value)
    if not match:
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    return hour < 24 and minute < 60 and second <= 60 and _valid_offset(match[5])


def is_date_time(value: str) -> bool:
    """RFC 3339: date, time with seconds, and an offset (``Z`` or ``±HH:MM``)."""
    match = _DATE_TIME.match(value)
    if match is None:
        return False
    return is_date(match[1]) and is_time(match[2]) and _valid_offset(match[3])


def _is_file(value: Any) -> bool:
    return is_file_ref(value)


def _is_data_url(value: Any) -> bool:
    # rjsf stores uploads inline as data URLs; we store a reference, and accept both.
    return is_file_ref(value) or (isinstance(value, str) and value.startswith("data:"))


def _strings_only(check: Any) -> Any:
    def wrapped(value: Any) -> bool:
        return not isinstance(value, str) or check(value)

    return wrapped


def build_format_checker() -> FormatChecker:
    """Every format jsonschema knows, with ours replacing the seven above."""
    checker = FormatChecker()
    ours = {"email": is_email, "uri": is_uri, "date": is_date, "time": is_time, "date-time": is_date_time,
            "iri": is_iri, "iri-reference": is_iri_reference}
    for name, check in ours.items():
        checker.checks(name)(_strings_only(check))
    checker.checks("documento")(_is_file)
    checker.checks("data-url")(_is_data_url)
    checker.checks("moneda")(_is_money)
    return checker


def _is_money(value: Any) -> bool:
    """``"format": "moneda"`` marks an amount of pesos (shown ``$ 120.000,00``): at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return True  # the type keyword speaks for other values
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return False
    return amount.is_finite() and amount == amount.quantize(Decimal("0.01"))


FORMAT_CHECKER = build_format_checker()
KNOWN_FORMATS = frozenset(FORMAT_CHECKER.checkers)
