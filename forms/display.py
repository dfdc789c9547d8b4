"""Saved values in the words people here read (es-AR): ``$ 120.000,00``, ``21/12/2026``, «Sí», labels.

Which values are money is declared: ``"format": "moneda"`` in the field's schema. Otherwise a
value follows its name (a form field without a format, or what a connector answered, such as
GAF's slip): ``importe`` and ``monto`` (alone or as a prefix, ``importe_total``) are money.
ISO dates (``2026-12-21``) and times show as dates; lists are joined with commas; a document
shows as its file name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from forms.catalogue import FieldInfo
from forms.values import option_key

MONEY_NAMES = ("importe", "monto")
MONEY_FORMAT = "moneda"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
EMPTY = "—"


def is_money_name(name: str) -> bool:
    """A variable named ``importe``, ``monto`` or ``importe_…``/``monto_…`` holds pesos."""
    last = name.rsplit(".", 1)[-1].lower()
    return any(last == word or last.startswith(word + "_") for word in MONEY_NAMES)


def money(value: Any) -> str:
    """``$ 120.000,00`` (a value that is not a number shows as written)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not amount.is_finite():
        return str(value)
    text = f"{amount.quantize(Decimal('0.01')):,.2f}"
    return "$ " + text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def number(value: int | float | Decimal) -> str:
    """``1.500`` and ``2,75``: thousands with a dot, decimals with a comma."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    whole, _, decimals = f"{value}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + ("," + decimals if decimals else "") if whole.lstrip("-").isdigit() \
        else str(value).replace(".", ",")


def date_or_moment(text: str, zone: str | None = None) -> str | None:
    """An ISO date as ``dd/mm/aaaa``, a time as ``dd/mm/aaaa hh:mm`` (in ``zone`` when it has an
    offset), or ``None`` when the text is neither."""
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        if _ISO_MOMENT.match(text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if zone and moment.tzinfo is not None:
                moment = moment.astimezone(ZoneInfo(zone))
            return moment.strftime("%d/%m/%Y %H:%M")
    except (ValueError, KeyError):  # not a date, or an unknown zone name
        return None
    return None


def value_text(value: Any, info: FieldInfo | None = None, name: str = "", zone: str | None = None) -> str:
    """``value`` as people read it, using what its field declares (``info``) or its ``name``.

    :param zone: the city's time zone, for times stored with an offset.
    """
    if value is None or value == "" or value == []:
        return EMPTY
    if info is not None and info.options and not isinstance(value, list | dict):
        return info.options.get(option_key(value), str(value))
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if (info is not None and info.format == MONEY_FORMAT) or (not (info and info.format) and is_money_name(name)):
        return money(value)
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, str):
        return date_or_moment(value, zone) or value
    if isinstance(value, list):
        return ", ".join(value_text(v, info, name, zone) for v in value) or EMPTY
    return _mapping_text(value, zone)


def _mapping_text(value: Mapping[str, Any], zone: str | None) -> str:
    if isinstance(value.get("name"), str) and ("sha256" in value or "key" in value):
        return value["name"]  # a document: its file name
    if {"lat", "lon"} <= value.keys():
        return f"{value_text(value['lat'])}, {value_text(value['lon'])}"
    return "; ".join(f"{k.replace('_', ' ')}: {value_text(v, name=k, zone=zone)}" for k, v in value.items())
