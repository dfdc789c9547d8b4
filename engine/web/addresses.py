"""Whole numbers in addresses (``<int:draft_id>``) stay within what a database column holds.

Werkzeug's ``int`` converter takes any run of digits, so ``/estudio/borradores/9999…9`` reached
the view with a number SQLite cannot bind (``OverflowError``, a 500) and PostgreSQL's ``integer``
columns do not hold. Every number an address names is a row's id or a version: beyond the
largest ``integer`` of PostgreSQL no row has it, so the address matches no page and the answer
is the usual 404 (the API's problem document, the fronts' Spanish page).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

#: The largest value of PostgreSQL's ``integer`` (and below SQLite's 64-bit limit).
LARGEST_ID = 2**31 - 1


class RowNumberConverter(IntegerConverter):
    """``int`` with an upper bound by default: a larger number matches no address.

    The digits are bounded too, so a long number fails the address's pattern itself: otherwise
    a route of the same pattern but another method made a ``PUT`` to a huge id a 405.
    """

    regex = rf"\d{{1,{len(str(LARGEST_ID))}}}"

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = LARGEST_ID, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


def bound_numbers(app: Flask) -> None:
    """Make ``<int:…>`` bounded on ``app``; call it before any route is added."""
    converters: dict[str, Any] = app.url_map.converters
    converters["int"] = RowNumberConverter
