"""CSV files a spreadsheet set to es-AR opens as they are: ``;`` between cells, decimal comma,
dates ``dd/mm/aaaa``, UTF-8 with a byte-order mark (without it Excel reads the accents as
Latin-1) and a header row in Spanish. Every CSV the platform writes goes through here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from flask import Response

from engine.dates import DATE, DATE_TIME

SEPARATOR = ";"
#: What makes a spreadsheet read a cell as a formula (OWASP «CSV injection»).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> str:
    """One value as es-AR writes it: ``12,5``, ``30/11/2026``; text as it is, nothing for ``None``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime(DATE_TIME)
    if isinstance(value, date):
        return value.strftime(DATE)
    return str(value)


def file_cell(value: Any) -> str:
    """:func:`cell_text` for the file: a text a spreadsheet would run as a formula (a procedure,
    step, service or office named ``=HYPERLINK(…)`` by whoever keeps it) goes after an apostrophe,
    so it stays text; numbers stay numbers (``-3`` is not a formula)."""
    text = cell_text(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole file, byte-order mark first."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow([str(h) for h in header])
    writer.writerows([file_cell(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A download of ``rows`` under ``header`` named ``filename``."""
    return Response(csv_text(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
