"""A purchase's staff journey in Chromium, with the demo users: Contaduría approves, Compras awards,
the requesting area receives and Contaduría registers the invoice, each in their worklist; the
purchase order is downloaded from the case view. The request, the invitation and the suppliers'
quotes go through the REST API (no front offers them yet). axe-core on every page, no CSP
violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

import pytest
import requests

from tests.procedures.conftest import Case, Person, Platform, SignIn
from tests.procedures.test_compras import CITY, KEY, SUPPLIERS, city_today, invite, pedido, quote

pytestmark = pytest.mark.browser


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> SignIn:
    platform.deploy(KEY)
    platform.seed_demo_users()
    return sign_in


def _complete(person: Person, case: Case, element: str, fill: Callable[[Any], None]) -> None:
    person.go(f"/bandeja/tareas/{case.task(element)['id']}")
    person.check()
    fill(person.page)
    person.page.click("button:has-text('Completar')")
    person.page.wait_for_url(re.compile(r"/bandeja"))
    person.check()


def test_a_purchase_through_the_staff_worklists(people: SignIn, platform: Platform) -> None:
    case = platform.start(KEY, pedido(600_000, "2.9.2"))

    def approve(page: Any) -> None:
        page.check("#campo-dictamen--0")
        page.fill("#campo-fundamento", "Imputación correcta; hay crédito.")

    _complete(people("contaduria"), case, "intervenir_contaduria", approve)
    opening = invite(platform, case, SUPPLIERS[:1], days=1)
    assert quote(platform.api, case, SUPPLIERS[0], "590000.00").status_code == 202
    platform.advance(datetime.combine(opening, time(10, 1), CITY) - platform.clock.now)
    assert case.ready() == ["adjudicar"]

    def award(page: Any) -> None:
        page.fill("#campo-cuit__adjudicado", SUPPLIERS[0]["cuit"])
        page.fill("#campo-fundamento__adjudicacion", "Única oferta, dentro del presupuesto.")

    # signed in after the clock moved, so the sessions are fresh on the platform's clock
    _complete(people("compras"), case, "adjudicar", award)
    today = city_today(platform).isoformat()

    def receive(page: Any) -> None:
        page.check("#campo-recepcion__conforme")
        page.fill("#campo-fecha__recepcion", today)

    _complete(people("dependencia"), case, "recibir", receive)

    def invoice(page: Any) -> None:
        page.fill("#campo-numero__factura", "0001-00000456")
        page.fill("#campo-fecha__factura", today)
        page.fill("#campo-importe__factura", "590000.00")

    accountant = people("contaduria")
    _complete(accountant, case, "registrar_factura", invoice)
    assert case.status == "completed" and case.data["factura"]["estado"] == "registrada"

    accountant.go(f"/bandeja/expedientes/{case.number}")
    accountant.check()
    href = accountant.page.get_by_role("link", name=re.compile("Orden de compra")).first.get_attribute("href")
    assert href is not None
    cookies = {c["name"]: c["value"] for c in accountant.context.cookies()}
    pdf = requests.get(platform.url + href, cookies=cookies, timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
