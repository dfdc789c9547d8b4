"""Presentar una cotización (COT): a supplier's quote reaches the purchase case (COM) it names.

The supplier's case throws ``cotizacion_presentada`` into the purchase case waiting for quotes
with that case number; the purchase answers with ``cotizacion_confirmada`` in the same step,
so the supplier's case ends at once with a signed receipt (or the reason it was refused).
When no purchase answers (unknown number, opening passed), the supplier's case waits ten
minutes and then ends saying so.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from engine.casefile import drafts
from engine.citizens import cases
from engine.db import db
from engine.identity.accounts import User
from engine.uow import unit_of_work
from engine.workflow import deployments
from storage.uploads import receive
from tests.procedures.conftest import PDF_BYTES, Case, Platform
from tests.procedures.test_compras import KEY, SUPPLIERS, approve, invite, pedido, quote

SUPPLIER_KEY = "cotizacion_compras"
NOT_PRESENTED = "no presentada: no hay una compra con el expediente {} que esté recibiendo cotizaciones"


@pytest.fixture
def purchases(platform: Platform) -> Platform:
    platform.deploy(KEY)
    platform.deploy(SUPPLIER_KEY)
    return platform


def _offer(number: str, supplier: dict[str, Any], document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"expediente": number, "cuit": supplier["cuit"], "razon_social": supplier["nombre"],
            "email": "proveedor@example.com", "importe": "480000.00", "plazo_entrega_dias": 10,
            "observaciones": "Garantía de un año.", "documento": document, **changes}


def _collecting(platform: Platform, importe: int = 500_000) -> Case:
    """A purchase (direct below 1,000,000) open to quotes, with SUPPLIERS[0] invited."""
    case = platform.start(KEY, pedido(importe, "2.1.1"))
    approve(case, "intervenir_contaduria")
    invite(platform, case, SUPPLIERS[:1])
    return case


def _start_as_citizen(platform: Platform, username: str, data: dict[str, Any]) -> Case:
    """Start the procedure as the portal does for a signed-in citizen: upload first, then start."""
    with platform.app.app_context():
        ctx = platform.app.extensions["tramites"].engine_context()
        with unit_of_work(ctx.after_commit):
            user = db.session.scalar(select(User).where(User.username == username))
            assert user is not None
            stored = receive(platform.app.extensions["tramites"].documents.store, io.BytesIO(PDF_BYTES),
                             max_bytes=10 * 1024 * 1024, display_name="cotizacion.pdf")
            reference = drafts.record_upload(user.id, drafts.start_scope(SUPPLIER_KEY),
                                             key=stored.key, name=stored.display_name,
                                             content_type=stored.content_type, size=stored.size)
            instance = cases.start_case(ctx, user, deployments.latest(SUPPLIER_KEY), {**data, "documento": reference})
            found = (instance.id, instance.number)
    return Case(platform, *found)


def _pdf_text(platform: Platform, storage_key: str) -> str:
    """The text of a stored PDF, without spaces or line breaks (table cells wrap long values)."""
    with platform.app.app_context(), platform.app.extensions["tramites"].documents.store.get(storage_key) as stream:
        reader = PdfReader(io.BytesIO(stream.read()))
    return "".join("".join(page.extract_text() or "" for page in reader.pages).split())


def _mail_text(platform: Platform, count: int) -> tuple[str, str]:
    received = platform.mail.wait_for(count)[-1].message
    body = received.get_body(("plain",))
    assert body is not None
    return str(received["Subject"]), str(body.get_content())


def test_a_supplier_account_quotes_and_the_document_reaches_the_purchase(purchases: Platform) -> None:
    purchases.seed_demo_users("proveedor")
    case = _collecting(purchases)
    supplier = _start_as_citizen(purchases, "proveedor", _offer(case.number, SUPPLIERS[0], {}))

    assert supplier.status == "completed" and supplier.path()[-2:] == ["registrar_presentada", "fin_presentada"]
    assert supplier.data["resultado"] == f"presentada: incorporada al expediente de la compra {case.number}"
    # the supplier's file: the quote they uploaded and the signed receipt
    documents = supplier.documents()
    assert sorted((d.kind, d.title) for d in documents) == [
        ("signed", "Constancia de presentación de cotización"),
        ("uploaded", "Cotización firmada (PDF): cotizacion.pdf")]
    [uploaded] = [d for d in documents if d.kind == "uploaded"]
    # the purchase holds the same file reference in the offer Compras compares
    [offer] = case.data["cotizaciones"]
    assert offer["documento"]["key"] == uploaded.storage_key and offer["documento"]["name"] == "cotizacion.pdf"
    assert (offer["cotizacion"], offer["importe"], offer["invitado"]) == (supplier.number, "480000.00", True)
    assert offer["observaciones"] == "Garantía de un año."
    # ... and the quote itself joined the purchase's file, naming the supplier's case (staff open it there)
    [carried] = [d for d in case.documents() if d.storage_key == uploaded.storage_key]
    assert carried.kind == "attached"
    assert carried.title == f"Cotización firmada (PDF): cotizacion.pdf (expediente {supplier.number})"
    assert carried.author == "proveedor" and carried.sha256 == uploaded.sha256
    receipt = supplier.data["constancia"]
    assert purchases.verify(receipt["codigo"])["verdict"] == "auténtico"
    subject, text = _mail_text(purchases, 1)
    assert subject.startswith(f"Finalizó su trámite {supplier.number}")
    assert case.number in text and "$ 480.000,00" in text and receipt["url_verificacion"] in text

    # the quote is compared with the others at the opening
    opening = datetime.fromisoformat(case.data["apertura"])
    purchases.advance(opening - purchases.clock.now + timedelta(minutes=1))
    assert case.ready() == ["adjudicar"] and case.data["mejor_oferta"]["cotizacion"] == supplier.number
    # the signed record of the opening names the document each supplier presented, by its fingerprint
    [record] = [d for d in case.documents() if d.title == "Acta de apertura de ofertas"]
    text = _pdf_text(purchases, record.storage_key)
    assert supplier.number in text and uploaded.sha256 in text and "cotizacion.pdf" in text


def test_a_quote_for_a_purchase_that_does_not_exist_is_not_presented(purchases: Platform) -> None:
    unknown = "EX-2026-999999-SMT-COM"
    supplier = purchases.start(SUPPLIER_KEY, _offer(unknown, SUPPLIERS[0], purchases.upload("cotizacion.pdf")))
    assert supplier.status == "waiting" and supplier.ready() == []
    assert purchases.advance(timedelta(minutes=9)) == 0
    assert supplier.status == "waiting"
    assert purchases.advance(timedelta(minutes=2)) == 1

    final = supplier.detail
    assert final["status"] == "completed" and supplier.path()[-1] == "fin_no_recibida"
    assert final["data"]["resultado"].startswith(NOT_PRESENTED.format(unknown))
    assert "constancia" not in final["data"]
    subject, text = _mail_text(purchases, 1)
    assert subject.startswith(f"Finalizó su trámite {supplier.number}") and unknown in text


def test_after_the_opening_a_purchase_takes_no_more_quotes(purchases: Platform) -> None:
    case = _collecting(purchases)
    assert quote(purchases.api, case, SUPPLIERS[0], "490000.00").status_code == 202
    opening = datetime.fromisoformat(case.data["apertura"])
    purchases.advance(opening - purchases.clock.now + timedelta(minutes=1))
    assert case.ready() == ["adjudicar"]

    late = purchases.start(SUPPLIER_KEY, _offer(case.number, SUPPLIERS[0], purchases.upload("tarde.pdf"),
                                                importe="100.00"))
    purchases.advance(timedelta(minutes=11))
    assert late.status == "completed" and late.path()[-1] == "fin_no_recibida"
    assert [c["importe"] for c in case.data["cotizaciones"]] == ["490000.00"]


def test_in_a_direct_purchase_a_supplier_not_invited_is_told_why(purchases: Platform) -> None:
    case = _collecting(purchases)
    assert case.data["procedimiento"] == "compra_directa"
    supplier = purchases.start(SUPPLIER_KEY, _offer(case.number, SUPPLIERS[1], purchases.upload("cotizacion.pdf")))

    final = supplier.detail
    assert final["status"] == "completed" and supplier.path()[-1] == "fin_rechazada"
    assert final["data"]["resultado"] == "no presentada: en una compra directa solo cotizan los proveedores invitados"
    assert (case.data["cotizaciones"], case.data["cotizaciones_rechazadas"]) == ([], 1)
    # the quote the supplier sent is in its file; no receipt for a quote the purchase did not take
    assert [(d.kind, d.title) for d in supplier.documents()] == [
        ("uploaded", "Cotización firmada (PDF): cotizacion.pdf")]
    assert "solo cotizan los proveedores invitados" in _mail_text(purchases, 1)[1]


@pytest.mark.parametrize(("changes", "pointers"), [
    ({"expediente": "EX-2026-000001-SMT-HAB"}, ["/expediente"]),
    ({"cuit": "3071122233"}, ["/cuit"]),
    ({"importe": "450.000,00"}, ["/importe"]),
    ({"importe": "0.00"}, ["/importe"]),
    ({"documento": None, "plazo_entrega_dias": 0}, ["/documento", "/plazo_entrega_dias"]),
])
def test_the_start_form_refuses_what_no_purchase_could_take(purchases: Platform, changes: dict[str, Any],
                                                            pointers: list[str]) -> None:
    data = {k: v for k, v in _offer("EX-2026-000001-SMT-COM", SUPPLIERS[0], purchases.upload("c.pdf"),
                                    **changes).items() if v is not None}
    refused = purchases.api.start(SUPPLIER_KEY, data)
    assert refused.status_code == 422
    assert sorted(e["pointer"] for e in refused.get_json()["errors"]) == pointers
