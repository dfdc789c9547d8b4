"""What a case file gives to download, the same over the API and the staff pages: one document's
bytes under its own name, and the whole case file as one PDF made now."""

from __future__ import annotations

import io

from flask import Response, send_file

from engine.casefile import assembly
from engine.errors import NotFound
from engine.models import Document, Instance
from engine.web.request import runtime


def document(found: Document) -> Response:
    """The document's bytes, named as its author named it (RFC 6266 ``Content-Disposition``).

    :raises NotFound: when the store lost the bytes (the record alone is no document).
    """
    store = runtime().documents.store
    if not store.exists(found.storage_key):
        raise NotFound("El contenido del documento no está en el almacenamiento.")
    return send_file(store.get(found.storage_key), mimetype=found.content_type, as_attachment=True,
                     download_name=found.filename, etag=found.sha256, max_age=0)


def case_file(instance: Instance) -> Response:
    """The case file as one PDF: cover, index, timeline and every PDF document.

    :raises NotFound: when this server has no PDF renderer.
    """
    rt = runtime()
    render = rt.documents.render_case_file
    if render is None:
        raise NotFound("Este servidor no genera el expediente en PDF.")
    pdf = assembly.case_file_pdf(instance, rt.documents.store, render, rt.settings["TIMEZONE"], rt.clock())
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"expediente-{instance.number}.pdf", max_age=0)
