"""A business licence's whole journey in Chromium, with the demo users: the citizen applies in the
portal, Mesa de Entradas reviews in its worklist, the citizen pays at the GAF sandbox (whose signed
notice moves the case), the Dirección de Comercio approves, the Directora de Comercio and the
Secretario de Hacienda sign the licence in order from their porta firma, and the citizen finds it.
axe-core on every page of ours, no CSP violation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import rerendered
from tests.procedures.conftest import PDF_BYTES, PNG_BYTES, Case, Person, Platform, SignIn

pytestmark = pytest.mark.browser
KEY = "habilitacion_comercial"


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> dict[str, Person]:
    platform.deploy(KEY)
    platform.seed_demo_users("ciudadana", "mesa", "direccion", "hacienda")
    return {name: sign_in(name) for name in ("ciudadana", "mesa", "direccion", "hacienda")}


def _files(tmp_path: Path) -> dict[str, Path]:
    paths = {"dni": tmp_path / "dni.pdf", "titulo": tmp_path / "contrato.pdf", "plano": tmp_path / "plano.png"}
    for name, path in paths.items():
        path.write_bytes(PNG_BYTES if name == "plano" else PDF_BYTES)
    return paths


def test_a_citizen_gets_a_business_licence_in_the_browser(platform: Platform, people: dict[str, Person],
                                                          tmp_path: Path) -> None:
    citizen = people["ciudadana"]
    citizen.go(f"/guia/{KEY}")
    citizen.check()
    citizen.go(f"/iniciar/{KEY}")
    citizen.check()
    page, files = citizen.page, _files(tmp_path)
    page.check("#campo-tipo__persona--0")
    page.fill("#campo-titular", "María Fernández")
    page.fill("#campo-cuit", "27301112224")
    page.fill("#campo-email", "ciudadana@example.com")
    page.fill("#campo-nombre__comercio", "Almacén Don Pepe")
    page.fill("#campo-domicilio", "San Martín 450")
    page.select_option("#campo-rubro", "almacen")
    page.fill("#campo-superficie", "45")
    page.set_input_files("#campo-dni__archivo", str(files["dni"]))
    page.set_input_files("#campo-titulo__archivo", str(files["titulo"]))
    page.set_input_files("#campo-plano__archivo", str(files["plano"]))
    citizen.send_form()
    match = re.search(r"/mis-tramites/(EX-\d{4}-\d{6}-SMT-HAB)", page.url)
    assert match, page.url
    citizen.check()
    number = match.group(1)
    [listed] = platform.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"]
    case = Case(platform, listed["id"], number)
    assert case.ready() == ["revisar_documentacion"]

    people["mesa"].complete_task(case.task("revisar_documentacion")["id"],
                                 lambda p: p.check("#campo-documentacion__completa"))
    slip = case.data["boleta"]

    citizen.pay_at_gaf(slip["url_boleta"])
    assert case.ready() == ["resolver"]

    def approve(p: Any) -> None:
        rerendered(p, lambda: p.check("#campo-decision--0"))
        p.fill("#campo-fundamentos", "Documentación completa y tasa abonada.")

    people["direccion"].complete_task(case.task("resolver")["id"], approve)
    assert case.status == "waiting"  # the licence waits for the officials' signatures

    hacienda = people["hacienda"]
    hacienda.go("/bandeja/firmas/")
    assert "No hay documentos esperando su firma." in hacienda.page.locator("main").inner_text()  # not yet
    _sign_from_porta_firma(people["direccion"], "direccion", number, "Directora de Comercio (firma 1 de 2)")
    assert case.status == "waiting"
    _sign_from_porta_firma(hacienda, "hacienda", number, "Silvia Toledo (Directora de Comercio)")
    assert case.status == "completed" and case.path()[-1] == "fin_habilitado"

    citizen.go(f"/mis-tramites/{number}")
    citizen.check()
    assert "Licencia de habilitación comercial (firmado)" in page.content()
    citizen.go(f"/verificar/{case.data['licencia']['codigo']}")
    citizen.check()
    text = page.locator("main").inner_text()
    assert "El documento es auténtico" in text
    assert "Silvia Toledo, Directora de Comercio: firmó" in text
    assert "Roberto Acosta, Secretario de Hacienda: firmó" in text


def _sign_from_porta_firma(official: Person, username: str, number: str, shown: str) -> None:
    """The official opens «Porta firma», finds the case's licence and signs it with their passphrase."""
    official.go("/bandeja/firmas/")
    official.check()
    page = official.page
    row = page.locator("tr", has_text="Licencia de habilitación comercial")
    assert number in row.inner_text() and shown in row.inner_text(), row.inner_text()
    page.fill("#clave", f"firma-{username}")
    with page.expect_navigation():
        page.click("main button:has-text('Firmar los documentos elegidos')")
    assert "Firmó 1 documento." in page.locator("main").inner_text()
    official.check()

