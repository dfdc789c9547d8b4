"""Issue #21's representatives in Chromium, with the demo users: María Fernández presents the power
Distribuidora Norte SRL gave her, Mesa de Entradas accepts it, she files a business licence for the
company and answers the correction staff ask for; the company's own account sees the case with the
«en representación» marks and revokes the power, after which she gets 404. axe-core on our pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.procedures.conftest import PDF_BYTES, PNG_BYTES, Case, Person, Platform, SignIn

pytestmark = pytest.mark.browser
KEY = "habilitacion_comercial"
COMPANY_CUIT = "30712345671"  # the demo company «proveedor» (processes/demo_users.yaml)


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> dict[str, Person]:
    platform.deploy("apoderamiento")
    platform.deploy(KEY)
    platform.seed_demo_users("ciudadana", "mesa", "proveedor")
    return {name: sign_in(name) for name in ("ciudadana", "mesa")}


def _case(platform: Platform, key: str) -> Case:
    [listed] = platform.api.get(f"/api/v1/instances?process={key}").get_json()["items"]
    return Case(platform, listed["id"], listed["number"])


def _present_power(platform: Platform, people: dict[str, Person], tmp_path: Path) -> None:
    representative, page = people["ciudadana"], people["ciudadana"].page
    representative.go("/iniciar/apoderamiento")
    representative.check()
    power = tmp_path / "poder.pdf"
    power.write_bytes(PDF_BYTES)
    page.fill("#campo-cuit__representado", COMPANY_CUIT)
    page.fill("#campo-tramites", KEY)
    page.set_input_files("#campo-poder__archivo", str(power))
    representative.send_form()
    assert re.search(r"/mis-tramites/EX-\d{4}-\d{6}-SMT-APO", page.url), page.url

    def accept(p: Any) -> None:
        p.check("#campo-decision--0")
        p.fill("#campo-respuesta", "El poder está firmado por el socio gerente.")

    people["mesa"].complete_task(_case(platform, "apoderamiento").task("revisar_poder")["id"], accept)
    assert _case(platform, "apoderamiento").status == "completed"


def _file_licence(representative: Person, tmp_path: Path) -> str:
    page = representative.page
    representative.go(f"/iniciar/{KEY}")
    files = {"dni": tmp_path / "dni.pdf", "titulo": tmp_path / "contrato.pdf", "plano": tmp_path / "plano.png"}
    for name, path in files.items():
        path.write_bytes(PNG_BYTES if name == "plano" else PDF_BYTES)
    page.check("#campo-tipo__persona--1")
    page.fill("#campo-titular", "Distribuidora Norte SRL")
    page.fill("#campo-cuit", COMPANY_CUIT)
    page.fill("#campo-email", "proveedor@example.com")
    page.fill("#campo-nombre__comercio", "Depósito Norte")
    page.fill("#campo-domicilio", "Av. Belgrano 1200")
    page.select_option("#campo-rubro", "oficina")
    page.fill("#campo-superficie", "80")
    page.set_input_files("#campo-dni__archivo", str(files["dni"]))
    page.set_input_files("#campo-titulo__archivo", str(files["titulo"]))
    page.set_input_files("#campo-plano__archivo", str(files["plano"]))
    representative.send_form()
    match = re.search(r"/mis-tramites/(EX-\d{4}-\d{6}-SMT-HAB)", page.url)
    assert match, page.url
    return match.group(1)


def test_a_representative_files_a_licence_for_a_company_until_the_company_revokes_the_power(
        platform: Platform, people: dict[str, Person], sign_in: SignIn, tmp_path: Path) -> None:
    _present_power(platform, people, tmp_path)
    representative, page = people["ciudadana"], people["ciudadana"].page
    representative.go("/representacion/")
    representative.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Actuar en nombre de Distribuidora Norte SRL").click()
    assert "Actuando en nombre de Distribuidora Norte SRL" in page.locator("main").inner_text()

    number = _file_licence(representative, tmp_path)
    case = _case(platform, KEY)
    assert case.number == number and case.detail["started_by"] == "proveedor"

    def ask_correction(p: Any) -> None:
        p.fill("#campo-observaciones", "Falta el contrato de locación firmado por ambas partes.")

    people["mesa"].complete_task(case.task("revisar_documentacion")["id"], ask_correction)
    assert case.ready() == ["corregir_solicitud"]
    representative.go(f"/mis-tramites/{number}/tareas/{case.task('corregir_solicitud')['id']}")
    representative.check()
    page.fill("#campo-respuesta", "Adjuntamos el contrato firmado por ambas partes.")
    with page.expect_navigation():
        page.click("main form button:has-text('Enviar')")
    page.wait_for_url(re.compile(rf"/mis-tramites/{number}$"))
    assert case.ready() != ["corregir_solicitud"]
    history = page.locator("main").inner_text()
    assert "María Fernández respondió «Corregir la solicitud» en representación de Distribuidora Norte SRL" in history

    company = sign_in("proveedor")
    company.go("/mis-tramites/")
    company.check()
    listing = company.page.locator("main").inner_text()
    assert number in listing and "Iniciado por María Fernández en representación" in listing
    company.go(f"/mis-tramites/{number}")
    company.check()
    timeline = company.page.locator("main").inner_text()
    assert "María Fernández inició el trámite en representación de Distribuidora Norte SRL" in timeline
    assert "María Fernández respondió «Corregir la solicitud» en representación de Distribuidora Norte SRL" in timeline

    company.go("/mis-representantes/")
    company.check()
    with company.page.expect_navigation():
        company.page.get_by_role("button", name="Revocar el poder de María Fernández").click()
    assert "Revocado el" in company.page.locator("main").inner_text()
    company.check()

    response = page.goto(f"{representative.base}/mis-tramites/{number}")
    assert response is not None and response.status == 404
    representative.go("/mis-tramites/")
    assert number not in page.locator("main").inner_text()
