"""Issue #22's «Done when», in Chromium with the demo users: a citizen books the inspection slot the
business licence offers, gets the confirmation with its QR and .ics, moves it once; on the day (the
test clock) checks in at the kiosk; the inspector calls the number from the desk page, the display
shows it without a reload; the visit is recorded and the process continues to the inspection.
axe-core on every page of ours, no CSP violation."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.appointments.models import Appointment
from engine.db import db
from tests.fixtures.browser import axe_violations
from tests.procedures.conftest import Case, Person, Platform, SignIn
from tests.procedures.inspection_slot import OFFICE, appointment_of, seed_inspection_agenda
from tests.procedures.test_habilitacion_browser import _files

pytestmark = pytest.mark.browser
KEY = "habilitacion_comercial"
PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> dict[str, Person]:
    platform.deploy(KEY)
    platform.seed_demo_users("ciudadana", "mesa", "inspector", "supervisora")
    seed_inspection_agenda(platform)
    return {name: sign_in(name) for name in ("ciudadana", "mesa", "inspector", "supervisora")}


def _apply_for_a_restaurant(platform: Platform, citizen: Person, tmp_path: Path) -> Case:
    """The citizen applies in the portal for a restaurant (its category requires an inspection)."""
    files = _files(tmp_path)
    citizen.go(f"/iniciar/{KEY}")
    page = citizen.page
    page.check("#campo-tipo__persona--0")
    page.fill("#campo-titular", "María Fernández")
    page.fill("#campo-cuit", "27301112224")
    page.fill("#campo-email", "ciudadana@example.com")
    page.fill("#campo-nombre__comercio", "La Esquina")
    page.fill("#campo-domicilio", "San Martín 450")
    page.select_option("#campo-rubro", "gastronomia")
    page.fill("#campo-superficie", "80")
    for field, path in files.items():
        page.set_input_files(f"#campo-{field}__archivo", str(path))
    citizen.send_form()
    match = re.search(r"/mis-tramites/(EX-\d{4}-\d{6}-SMT-HAB)", page.url)
    assert match, page.url
    [listed] = platform.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"]
    return Case(platform, listed["id"], match.group(1))


def _device(person: Person, browser: Any, base: str, kind: str, name: str) -> Any:
    """The supervisor registers a kiosk or display of the office; a browser nobody signed in on activates it."""
    person.go("/bandeja/dispositivos/")
    person.check()
    page = person.page
    page.select_option("#oficina", OFFICE)
    page.select_option("#tipo", kind)
    page.fill("#nombre", name)
    with page.expect_navigation():
        page.click("form[action$='/bandeja/dispositivos/'] button[type=submit]")
    code = page.locator(".token-secret code").inner_text().strip()
    context = browser.new_context(locale="es-AR", viewport={"width": 1280, "height": 800})
    device = context.new_page()
    device.goto(base + "/dispositivo/activar")
    device.fill("#codigo-activacion", code)
    with device.expect_navigation():
        device.click("form button[type=submit]")
    assert device.url.endswith("/kiosco/" if kind == "kiosk" else "/pantalla/"), device.url
    return device


def test_a_citizen_books_moves_and_attends_the_inspection_slot_and_the_case_goes_on(
        platform: Platform, people: dict[str, Person], browser: Any, tmp_path: Path) -> None:
    citizen = people["ciudadana"]
    case = _apply_for_a_restaurant(platform, citizen, tmp_path)
    people["mesa"].complete_task(case.task("revisar_documentacion")["id"],
                                 lambda p: p.check("#campo-documentacion__completa"))
    citizen.pay_at_gaf(case.data["boleta"]["url_boleta"])
    assert case.ready() == ["elegir_turno"]

    # the case offers the inspection's slots as a task of the applicant's
    citizen.go(f"/mis-tramites/{case.number}")
    citizen.check()
    with citizen.page.expect_navigation():
        citizen.page.click("li.pendiente a")
    citizen.check()
    citizen.page.set_viewport_size(PHONE)  # the pick on a phone: no sideways scrolling
    assert citizen.page.evaluate(OVERFLOW) <= 0
    citizen.check()
    first_label = citizen.page.locator("label[for='campo-turno__elegido--0']").inner_text()
    assert "Dirección de Comercio" in first_label
    citizen.page.check("#campo-turno__elegido--0")
    with citizen.page.expect_navigation():
        citizen.page.click("form button[type=submit].primary")
    booked = appointment_of(case)
    assert case.status == "waiting" and case.data["turno_reservado"]["codigo"] == booked.code

    # the confirmation: from the case page to the appointment's page, with its QR and .ics
    citizen.go(f"/mis-tramites/{case.number}")
    citizen.check()
    assert booked.code in citizen.page.locator("section[aria-labelledby=turnos]").inner_text()
    assert citizen.page.evaluate(OVERFLOW) <= 0
    with citizen.page.expect_navigation():
        citizen.page.click("section[aria-labelledby=turnos] a")
    citizen.check()
    assert citizen.page.locator("figure.turnos-qr svg[role=img]").count() == 1
    with citizen.page.expect_download() as download:
        citizen.page.click("a[download]")
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in ics and booked.code in ics

    # moved once: another time of the same day
    with citizen.page.expect_navigation():
        citizen.page.click("a[href$='/reprogramar']")
    citizen.check()
    with citizen.page.expect_navigation():
        citizen.page.click("a.turnos-dia.libre >> nth=0")
    citizen.check()
    citizen.page.click("label[for^=h-] >> nth=-1")  # the day's last time, tapped by its label
    with citizen.page.expect_navigation():
        citizen.page.click("form button[type=submit].primary")
    citizen.check()
    moved = appointment_of(case)
    assert moved.code != booked.code and moved.starts_at != booked.starts_at
    assert case.status == "waiting" and case.data["turno_reservado"]["codigo"] == moved.code

    # on the day, a few minutes before the time (the test clock)
    platform.clock.now = moved.starts_at - timedelta(minutes=10)
    supervisor = people["supervisora"]
    kiosk = _device(supervisor, browser, platform.url, "kiosk", "Entrada de Comercio")
    display = _device(supervisor, browser, platform.url, "display", "Sala de espera de Comercio")
    assert axe_violations(display, platform.url) == []
    display.evaluate("window.sinRecargar = true")  # a reload would forget it

    kiosk.fill("#codigo", moved.code)  # what a QR scanner types
    with kiosk.expect_navigation():
        kiosk.click("#form-codigo button[type=submit]")
    assert axe_violations(kiosk, platform.url) == []
    ticket = _ticket_of(platform, moved.id)
    assert ticket and ticket in kiosk.locator("main").inner_text()

    inspector = people["inspector"]
    inspector.go(f"/bandeja/turnos/{OFFICE}?puesto=Box+1&servicio=inspeccion-comercio")
    inspector.check()
    with inspector.page.expect_navigation():
        inspector.page.click("#llamar")
    inspector.check()
    display.locator("[data-ticket]").filter(has_text=ticket).wait_for(timeout=20_000)
    assert "Box 1" in display.locator("#llamados").inner_text()
    assert display.evaluate("window.sinRecargar") is True  # shown by polling, not by a reload

    with inspector.page.expect_navigation():
        inspector.page.click("form[action$='/atendido'] button[type=submit]")
    inspector.check()

    # the visit is recorded and the process continues with the inspection
    assert case.ready() == ["inspeccionar"], case.detail
    assert moved.code in case.data["nota_turno"]
    inspector.go(f"/bandeja/expedientes/{case.number}")
    inspector.check()
    inspector.page.set_viewport_size(PHONE)
    assert inspector.page.evaluate(OVERFLOW) <= 0
    appointments = inspector.page.locator("section[aria-labelledby=t-turnos]").inner_text()
    assert moved.code in appointments and "Atendido" in appointments and booked.code in appointments
    citizen.go(f"/mis-tramites/{case.number}")
    assert "Atendido" in citizen.page.locator("section[aria-labelledby=turnos]").inner_text()
    kiosk.context.close()
    display.context.close()


def _ticket_of(platform: Platform, appointment_id: str) -> str:
    with platform.app.app_context():
        found = db.session.get(Appointment, appointment_id)
        assert found is not None and found.status == "checked_in"
        return found.ticket or ""
