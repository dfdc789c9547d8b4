"""An event permit's whole journey in Chromium, with the demo users: the organiser asks for it in the
portal (point on the map, site plan uploaded, street closure), Mesa de Entradas asks for a correction,
the organiser corrects the date and attendance, Mesa accepts, Defensa Civil and Tránsito review,
the Dirección de Espacios Públicos grants, the organiser pays at the GAF sandbox, downloads the
permit, and its verification page shows the corrected data. axe-core on every page of ours, no CSP
violation. Waits are on elements and addresses, never on network idleness."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.procedures.conftest import PNG_BYTES, Case, Person, Platform, SignIn
from tests.procedures.test_evento_publico import KEY, city_today, seed_lane_groups

pytestmark = pytest.mark.browser
MAP = "#campo-ubicacion--mapa"
USERS = ("ciudadana", "mesa", "defensa", "transito", "espacios")


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> dict[str, Person]:
    seed_lane_groups(platform)
    platform.deploy(KEY)
    platform.seed_demo_users(*USERS)
    return {name: sign_in(name) for name in USERS}


def _wait_for(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _settled(page: Any) -> None:
    """Wait until no htmx request (a form's re-render after a change) is in flight."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def _complete(person: Person, task_id: str, fill: Callable[[Any], None]) -> None:
    """Open a staff task in the worklist, fill its form and complete it; back at the worklist."""
    person.go(f"/bandeja/tareas/{task_id}")
    person.check()
    fill(person.page)
    _settled(person.page)
    with person.page.expect_navigation():
        person.page.click("form[action$='/completar'] button[type=submit].primary")
    assert f"/bandeja/tareas/{task_id}" not in person.page.url or "completar" not in person.page.url


def _start(citizen: Person, platform: Platform, plan: Path) -> None:
    page = citizen.page
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # no network in tests
    citizen.go(f"/guia/{KEY}")
    citizen.check()
    assert "Permiso para evento en espacio público" in page.inner_text("main")
    citizen.go(f"/iniciar/{KEY}")
    citizen.check()
    page.check("#campo-organizador-tipo__persona--1")
    page.fill("#campo-organizador-nombre", "Asociación Amigos del Parque")
    page.fill("#campo-organizador-cuit", "30712345671")
    page.fill("#campo-organizador-email", "ciudadana@example.com")
    page.fill("#campo-organizador-telefono", "381 4223344")
    page.fill("#campo-evento-nombre", "Feria de artesanos")
    page.select_option("#campo-evento-tipo", "feria")
    page.fill("#campo-evento-fecha", (city_today(platform) + timedelta(days=30)).isoformat())
    page.fill("#campo-evento-hora__inicio", "10:00")
    page.fill("#campo-evento-hora__fin", "20:00")
    page.fill("#campo-evento-asistentes", "150")
    # the point on the map: a click fills latitude and longitude
    page.wait_for_selector(f"{MAP}.leaflet-container")
    page.locator(MAP).click(position={"x": 120, "y": 90})
    assert re.fullmatch(r"-26\.\d+", page.input_value("#campo-ubicacion-lat"))
    assert re.fullmatch(r"-65\.\d+", page.input_value("#campo-ubicacion-lon"))
    page.fill("#campo-ubicacion-direccion", "Plaza Independencia")
    page.set_input_files("#campo-plano", str(plan))
    page.check("#campo-requiere__corte")
    page.wait_for_selector("#campo-calles__afectadas", state="visible")
    page.wait_for_load_state("networkidle")  # the form's htmx re-render and the plan's upload are over
    page.fill("#campo-calles__afectadas", "25 de Mayo entre San Martín y Mendoza")
    citizen.send_form()
    assert re.search(r"/mis-tramites/EX-\d{4}-\d{6}-SMT-EV", page.url), page.url
    citizen.check()


def _only_case(platform: Platform) -> Case:
    [listed] = platform.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"]
    return Case(platform, listed["id"], listed["number"])


def test_an_event_permit_from_the_portal_to_the_verified_pdf(platform: Platform, people: dict[str, Person],
                                                            tmp_path: Path) -> None:
    citizen, mesa = people["ciudadana"], people["mesa"]
    plan = tmp_path / "plano.png"
    plan.write_bytes(PNG_BYTES)
    _start(citizen, platform, plan)
    case = _only_case(platform)
    data = case.data
    assert data["requiere_corte"] is True and data["plano"]["name"] == "plano.png"
    assert (data["riesgo"], data["tasa"]) == ("bajo", 50000)

    def ask_correction(page: Any) -> None:
        page.fill("#campo-observaciones", "La fecha coincide con otro evento en la plaza: elija otra.")
        page.check("#campo-revision--1")

    _complete(mesa, case.task("revisar_solicitud")["id"], ask_correction)
    assert case.ready() == ["corregir_solicitud"]

    # the organiser corrects the date and the attendance from the case page
    new_date = city_today(platform) + timedelta(days=40)
    citizen.go(f"/mis-tramites/{case.number}")
    citizen.check()
    task_id = case.task("corregir_solicitud")["id"]
    citizen.go(f"/mis-tramites/{case.number}/tareas/{task_id}")
    citizen.check()
    page = citizen.page
    assert "La fecha coincide con otro evento" in page.content()
    page.fill("#campo-respuesta", "Paso la feria a otra fecha y esperamos más gente.")
    page.fill("#campo-nueva__fecha", new_date.isoformat())
    page.fill("#campo-nuevos__asistentes", "1500")
    page.check("#campo-nuevo__corte--0")  # sin cambios
    _settled(page)
    with page.expect_navigation():
        page.click("main form button:has-text('Enviar')")
    page.wait_for_url(re.compile(rf"/mis-tramites/{case.number}"))
    assert case.data["evento"]["fecha"] == new_date.isoformat() and case.data["riesgo"] == "alto"

    _complete(mesa, case.task("revisar_solicitud")["id"], lambda p: p.check("#campo-revision--0"))
    assert case.ready() == ["dictaminar_defensa", "dictaminar_transito"]

    def review(area: str, conditions: str) -> Callable[[Any], None]:
        def fill(p: Any) -> None:
            p.check(f"#campo-dictamen__{area}--0")
            p.fill(f"#campo-informe__{area}", "Sin objeciones.")
            p.fill(f"#campo-condiciones__{area}", conditions)
        return fill

    _complete(people["defensa"], case.task("dictaminar_defensa")["id"], review("defensa", "Ambulancia en el lugar."))
    _complete(people["transito"], case.task("dictaminar_transito")["id"], review("transito", "Vallado desde las 8 h."))
    assert case.ready() == ["resolver"]

    def grant(p: Any) -> None:
        p.fill("#campo-fundamentos", "Cumple los requisitos y los dictámenes son favorables.")
        p.check("#campo-resolucion--0")

    _complete(people["espacios"], case.task("resolver")["id"], grant)
    slip = case.data["boleta"]
    assert slip["importe"] == "180000.00"

    # the case page offers the slip; the organiser pays at GAF's sandbox
    citizen.go(f"/mis-tramites/{case.number}")
    citizen.check()
    assert page.locator(f"a[href='{slip['url_boleta']}']").count() >= 1
    citizen.pay_at_gaf(slip["url_boleta"])
    _wait_for(lambda: case.status == "completed")

    citizen.go(f"/mis-tramites/{case.number}")
    citizen.check()
    link = page.get_by_role("link", name="Permiso para evento en espacio público").first
    href = link.get_attribute("href")
    assert href is not None
    cookies = {c["name"]: c["value"] for c in citizen.context.cookies()}
    pdf = requests.get(platform.url + href, cookies=cookies, timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    citizen.go(f"/verificar/{case.data['permiso']['codigo']}")
    shown = page.inner_text("main")
    assert "auténtico" in page.content()
    assert new_date.strftime("%d/%m/%Y") in shown or new_date.isoformat() in shown, shown
    assert "1500" in shown or "1.500" in shown, shown
    assert "25 de Mayo entre San Martín y Mendoza" in shown
    citizen.check()
