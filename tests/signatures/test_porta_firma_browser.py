"""«Done when»: a resolution is signed by two officials in order from their worklists, the verification
page names both signers, and a copy altered after the first signature is reported as modified.

Each official signs in Chromium, opens «Porta firma», previews the PDF and signs with the
passphrase of their own credential; axe-core finds no violation and the CSP refuses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from connectors.documents.officials import Credential, countersign, official_signer
from engine.signatures import porta_firma
from tests.fixtures.browser import Visit
from tests.fixtures.engine import ApiClient, make_token
from tests.signatures.conftest import passphrase_of
from tests.signatures.helpers import altered

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, username: str) -> Visit:
    visit = Visit(page, base)
    page.goto(base + "/bandeja/firmas/")
    page.fill("#campo-usuario", username)
    page.fill("#campo-contrasena", f"{username}-clave-segura")
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/bandeja/firmas/")
    return visit


def _sign_everything(page: Any, visit: Visit, username: str) -> None:
    assert page.locator("input[name=paso]").count() == 1
    page.fill("#clave", passphrase_of(username))
    with page.expect_navigation():
        page.click("main button:has-text('Firmar los documentos elegidos')")
    assert "Firmó 1 documento." in page.locator("main").inner_text()
    assert "No hay documentos esperando su firma." in page.locator("main").inner_text()
    visit.check()


def _stored(app: Flask, code: str) -> bytes:
    with app.app_context():
        request = porta_firma.request_for(code)
        assert request is not None
        return porta_firma.current_pdf(request, app.extensions["tramites"].documents.store)


def test_two_officials_sign_in_order_and_the_verification_names_both(
        signatures_app: Flask, live_server: Callable[[Any], Any], new_page: Callable[[], Any],
        tmp_path: Path) -> None:
    api = ApiClient(signatures_app, make_token(signatures_app, "navegador", "admin"))
    assert api.deploy("firma_conjunta").status_code == 201
    started = api.start("firma_conjunta", {"titular": "Comercio Norte SRL"}).get_json()
    code = api.instance(started["id"])["data"]["resolucion"]["codigo"]
    base = live_server(signatures_app).url

    hacienda = new_page()
    hacienda_visit = _sign_in(hacienda, base, "hacienda")
    assert "No hay documentos esperando su firma." in hacienda.locator("main").inner_text()  # not their turn
    hacienda_visit.check()

    direccion = new_page()
    direccion_visit = _sign_in(direccion, base, "direccion")
    row = direccion.locator("tr", has_text="Resolución de habilitación")
    assert started["number"] in row.inner_text() and "Directora de Comercio (firma 1 de 2)" in row.inner_text()
    direccion_visit.check()
    href = row.get_by_role("link", name="Resolución de habilitación").get_attribute("href")
    preview = direccion.request.get(base + href)
    assert preview.ok and preview.body().startswith(b"%PDF")
    _sign_everything(direccion, direccion_visit, "direccion")
    after_first = _stored(signatures_app, code)

    hacienda.reload()
    row = hacienda.locator("tr", has_text="Resolución de habilitación")
    assert "Silvia Toledo (Directora de Comercio)" in row.inner_text()
    _sign_everything(hacienda, hacienda_visit, "hacienda")
    assert api.instance(started["id"])["status"] == "completed"

    citizen = new_page()
    visit = Visit(citizen, base)
    citizen.goto(f"{base}/verificar/{code}")
    text = citizen.locator("main").inner_text()
    assert "El documento es auténtico" in text
    assert "Silvia Toledo, Directora de Comercio: firmó" in text
    assert "Roberto Acosta, Secretario de Hacienda: firmó" in text
    visit.check()

    # A copy edited after the first signature, then countersigned: the page says which signature it breaks.
    folder = signatures_app.config["TRAMITES"]["OFFICIAL_KEYS_DIR"]
    with official_signer(Credential(folder=folder), "hacienda", passphrase_of("hacienda")) as signer:
        tampered = countersign(altered(after_first), signer, reason="Firma", field_name="Firma2").pdf
    (tmp_path / "resolucion.pdf").write_bytes(tampered)
    citizen.goto(f"{base}/verificar/")
    citizen.set_input_files("#file", str(tmp_path / "resolucion.pdf"))
    with citizen.expect_navigation():
        citizen.click("main button:has-text('Verificar')")
    text = citizen.locator("main").inner_text()
    assert "El documento fue modificado después de firmado" in text
    signers = citizen.locator("ol.signers li").all_inner_texts()
    assert "Silvia Toledo" in signers[0] and "modificado después de esta firma" in signers[0]
    assert "Roberto Acosta" in signers[1] and "íntegra" in signers[1]
    visit.check()
