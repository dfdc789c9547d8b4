"""The whole case file as one PDF: cover, index, timeline, then every PDF document appended.

Pure rendering: the engine gathers what the case holds (:func:`render_case_file`'s
arguments are plain data and bytes) and decides who may ask for it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from connectors.documents.errors import RenderError
from connectors.documents.render import MUNICIPALITY

log = logging.getLogger("tramites.connectors.documents")
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "case_file"
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                          undefined=jinja2.StrictUndefined)


def render_case_file(cover: Mapping[str, Any], documents: Sequence[Mapping[str, Any]],
                     timeline: Sequence[Mapping[str, Any]], attachments: Mapping[int, bytes]) -> bytes:
    """Render the case file.

    :param cover: ``number``, ``procedure``, ``applicant``, ``started``, ``status``, ``generated``
        (texts already formatted for people).
    :param documents: the index: ``folio``, ``title``, ``kind``, ``author``, ``added``, ``size``, ``sha256``.
    :param timeline: ``when``, ``who``, ``what`` per event, oldest first.
    :param attachments: PDF bytes by folio; each is appended after the timeline, in folio order.
        A PDF that cannot be read is listed as not appended instead of failing the whole file.
    :return: the PDF bytes.
    :raises RenderError: when the cover pages cannot be rendered.
    """
    from pypdf import PdfReader, PdfWriter  # on the first case file: a quarter of a second to import
    from pypdf.errors import PdfReadError

    unreadable: list[int] = []
    readers: list[tuple[int, PdfReader]] = []
    for folio in sorted(attachments):
        try:
            readers.append((folio, PdfReader(io.BytesIO(attachments[folio]))))
        except (PdfReadError, ValueError, OSError) as e:
            log.info("case file: folio %s is not a readable PDF: %r", folio, e)
            unreadable.append(folio)
    appended = {folio for folio, _ in readers}
    html = _env.get_template("case_file.html").render(
        municipalidad=MUNICIPALITY, cover=cover, documents=documents, timeline=timeline,
        appended=appended, unreadable=set(unreadable))
    from connectors.documents.fetcher import write_pdf  # WeasyPrint, on the first render

    try:
        front = write_pdf(html, TEMPLATE_DIR, [TEMPLATE_DIR])
    except Exception as e:  # WeasyPrint raises assorted errors on layout problems
        raise RenderError("No se pudo generar el PDF del expediente.", detail=repr(e)) from e
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front)))
    for folio, reader in readers:
        writer.append(reader, outline_item=f"Folio {folio}")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
