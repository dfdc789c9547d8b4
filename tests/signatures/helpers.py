"""Shared steps of the porta firma tests: a signed-in official, and a PDF altered after a signature."""

from __future__ import annotations

import io

from flask import Flask
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from engine.signatures import porta_firma
from tests.fixtures.identity import Web


def signed_in(app: Flask, username: str) -> Web:
    web = Web(app.test_client())
    web.sign_in(username, f"{username}-clave-segura")
    return web


def my_turns(app: Flask, group: str) -> list[str]:
    with app.app_context():
        return [step.id for step in porta_firma.waiting_for([group])]


def sign(web: Web, step_ids: list[str], passphrase: str) -> str:
    """Sign from the porta firma's form; return the page it lands on."""
    token = web.form_token("/bandeja/firmas/")
    response = web.client.post("/bandeja/firmas/firmar", data={"paso": step_ids, "clave": passphrase,
                                                               "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return web.client.get("/bandeja/firmas/").get_data(as_text=True)


def altered(pdf: bytes) -> bytes:
    """The PDF with a blue box drawn over its first page, appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page = writer.root["/Pages"].raw_get("/Kids")[0].get_object()
    stamp = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 50 50 200 200 re f"))
    old = page.raw_get("/Contents")
    page["/Contents"] = generic.ArrayObject([*(old if isinstance(old, generic.ArrayObject) else [old]), stamp])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
