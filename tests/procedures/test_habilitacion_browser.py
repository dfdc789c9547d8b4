"""A business licence's whole journey in Chromium, with the demo users: the citizen applies in the
portal, Mesa de Entradas reviews in its worklist, the citizen pays at the GAF sandbox (whose signed
notice moves the case), the Dirección de Comercio approves and the citizen finds the licence.
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
    platform.seed_demo_users("ciudadana", "mesa", "direccion")
    return {name: sign_in(name) for name in ("ciudadana", "mesa", "direccion")}


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
    assert case.status == "completed"

    citizen.go(f"/mis-tramites/{number}")
    citizen.check()
    assert "Licencia de habilitación comercial" in page.content()
