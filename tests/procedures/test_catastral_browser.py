"""A cadastral certificate's journey in Chromium, with the demo users: the citizen asks for it by
padrón in the portal, pays at the GAF sandbox (whose signed notice moves the case), the cadastre
officer corrects the owner in the worklist and the citizen finds the certificate. axe-core on every
page of ours, no CSP violation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.fixtures.browser import rerendered
from tests.procedures.conftest import Case, Person, Platform, SignIn

pytestmark = pytest.mark.browser
KEY = "certificado_catastral"


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> dict[str, Person]:
    platform.deploy(KEY)
    platform.seed_demo_users("ciudadana", "catastro")
    return {name: sign_in(name) for name in ("ciudadana", "catastro")}


def test_a_citizen_gets_a_cadastral_certificate_in_the_browser(platform: Platform,
                                                               people: dict[str, Person]) -> None:
    citizen = people["ciudadana"]
    citizen.go(f"/iniciar/{KEY}")
    citizen.check()
    page = citizen.page
    page.fill("#campo-nombre", "María Fernández")
    page.fill("#campo-dni", "30111222")
    page.fill("#campo-email", "ciudadana@example.com")
    page.select_option("#campo-motivo", "compraventa")
    rerendered(page, lambda: page.check("#campo-identificacion--0"))
    page.fill("#campo-padron", "100001")
    citizen.send_form()
    match = re.search(r"/mis-tramites/(EX-\d{4}-\d{6}-SMT-CAT)", page.url)
    assert match, page.url
    citizen.check()
    [listed] = platform.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"]
    case = Case(platform, listed["id"], match.group(1))
    assert case.data["parcela"]["nomenclatura"] == "S2-C1-M001-P001"

    citizen.pay_at_gaf(case.data["boleta"]["url_boleta"])
    assert case.ready() == ["revisar_datos"]

    def correct(p: Any) -> None:
        rerendered(p, lambda: p.check("#campo-decision--0"))
        p.fill("#campo-correccion__titular", "Pérez, Ana")

    people["catastro"].complete_task(case.task("revisar_datos")["id"], correct)
    assert case.status == "completed"
    assert case.data["parcela_certificada"]["titular"] == "Pérez, Ana"

    citizen.go(f"/mis-tramites/{case.number}")
    citizen.check()
    assert "Certificado catastral" in page.content()
