"""A street-use permit's journey in Chromium, with the demo users: the citizen asks for it in the
portal, Tránsito observes in its worklist, the citizen answers, the areas approve, the citizen
pays at the GAF sandbox's slip page and downloads the permit, which verifies as authentic.
axe-core on every page, no CSP violation."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests

from tests.procedures.conftest import Case, Platform, SignIn
from tests.procedures.test_via_publica import KEY, city_today

pytestmark = pytest.mark.browser


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> SignIn:
    platform.deploy(KEY)
    platform.seed_demo_users()
    return sign_in


def _only_case(platform: Platform) -> Case:
    listed = platform.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"]
    assert len(listed) == 1, listed
    return Case(platform, listed[0]["id"], listed[0]["number"])


def test_a_permit_from_the_portal_to_the_verified_pdf(people: SignIn,
                                                      platform: Platform) -> None:
    citizen = people("ciudadana")
    citizen.go(f"/iniciar/{KEY}")
    citizen.check()
    page = citizen.page
    today = city_today(platform)
    page.select_option("#campo-tipo", "contenedor")
    page.fill("#campo-nombre", "María Fernández")
    page.fill("#campo-cuit", "27301234568")
    page.fill("#campo-email", "ciudadana@example.com")
    page.fill("#campo-ubicacion-direccion", "San Martín 650")
    page.fill("#campo-ubicacion-lat", "-26.8297")
    page.fill("#campo-ubicacion-lon", "-65.2045")
    page.fill("#campo-fecha__desde", (today + timedelta(days=1)).isoformat())
    page.fill("#campo-fecha__hasta", (today + timedelta(days=3)).isoformat())
    page.fill("#campo-superficie__m2", "10")
    page.check("#campo-ocupa__calzada")
    page.fill("#campo-descripcion", "Contenedor para escombros de una refacción de baño.")
    page.click("button[value=enviar]")
    page.wait_for_url(re.compile(r"/mis-tramites/"))
    citizen.check()
    case = _only_case(platform)
    assert case.data["ubicacion"] == {"direccion": "San Martín 650", "lat": -26.8297, "lon": -65.2045}
    assert case.data["ocupa_calzada"] is True and case.data["en_espacio_verde"] is False
    assert case.ready() == ["revisar_obras", "revisar_transito"]

    transito = people("transito")
    transito.go(f"/bandeja/tareas/{case.task('revisar_transito')['id']}")
    transito.check()
    transito.page.check("#campo-dictamen--1")  # observar
    transito.page.fill("#campo-fundamento", "Indique en qué horario se cargará el contenedor.")
    transito.page.click("button:has-text('Completar')")
    transito.page.wait_for_url(re.compile(r"/bandeja"))
    transito.check()

    citizen.go(f"/mis-tramites/{case.number}/tareas/{case.task('responder_transito')['id']}")
    citizen.check()
    citizen.page.fill("#campo-respuesta", "Se cargará de 8 a 10 de la mañana.")
    citizen.page.click("button:has-text('Enviar')")
    citizen.page.wait_for_url(re.compile(rf"/mis-tramites/{case.number}"))
    assert case.data["respuesta"] == "Se cargará de 8 a 10 de la mañana."

    for element in ("revisar_transito", "revisar_obras"):
        case.complete(element, {"dictamen": "aprobar", "fundamento": "Sin objeciones.", "condiciones": ""})
    slip = case.data["boleta"]
    citizen.go(slip["url_boleta"])
    citizen.page.click("button:has-text('Pagar')")
    citizen.page.wait_for_load_state()
    _wait_for(lambda: "permiso" in case.data)

    citizen.go(f"/mis-tramites/{case.number}")
    citizen.check()
    link = citizen.page.get_by_role("link", name="Permiso de uso de la vía pública").first
    href = link.get_attribute("href")
    assert href is not None
    cookies = {c["name"]: c["value"] for c in citizen.context.cookies()}
    pdf = requests.get(platform.url + href, cookies=cookies, timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    citizen.go(f"/verificar/{case.data['permiso']['codigo']}")
    assert "auténtico" in citizen.page.content()
    citizen.check()


def _wait_for(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
