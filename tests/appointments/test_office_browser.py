"""At the office in Chromium: the display open in one browser shows a number called from the desk in
another without a reload, and the desk sees a walk-in arrive without one; the kiosk checks in with
the code a QR scanner types and with a document number; a walk-in is served before an appointment
whose time has not come; axe-core finds no violation on the kiosk, the desk and the display, at
390 px as on a wall screen, and nothing scrolls sideways on a phone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.appointments.office_helpers import MORNING, OFFICE, book, pin_clock, seed_office
from tests.fixtures.browser import Visit
from tests.fixtures.identity import Web, password_of

pytestmark = pytest.mark.browser
CODE = re.compile(r"<code>([A-Z0-9]+)</code>")
PHONE = {"width": 390, "height": 844}


def _activation_code(app: Flask, kind: str) -> str:
    supervisor = Web(app.test_client())
    supervisor.sign_in("supervisora", password_of("supervisora"))
    page = supervisor.post_form("/bandeja/dispositivos/", {"oficina": OFFICE, "tipo": kind, "nombre": kind})
    found = CODE.search(page.get_data(as_text=True))
    assert found
    return found.group(1)


def _activate(page: Any, base: str, code: str) -> Visit:
    visit = Visit(page, base)
    page.goto(base + "/kiosco/")
    assert page.url.endswith("/dispositivo/activar")
    visit.check()
    page.fill("#codigo-activacion", code)
    with page.expect_navigation():
        page.click("main button:has-text('Activar')")
    return visit


def _checked_at_all_widths(visit: Visit) -> None:
    for size in (PHONE, {"width": 1920, "height": 1080}):
        visit.page.set_viewport_size(size)
        visit.check()
        assert visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, visit.page.url


def test_a_call_from_the_desk_appears_on_the_display_without_a_reload(
        identity_app: Flask, live_server: Callable[[Any], Any], new_page: Callable[[], Any]) -> None:
    pin_clock(identity_app, MORNING)
    agenda = seed_office(identity_app)
    scanned = book(identity_app, agenda, MORNING)
    book(identity_app, agenda, MORNING + timedelta(minutes=30), document="30123456")
    base = live_server(identity_app).url

    display = new_page()
    display_visit = _activate(display, base, _activation_code(identity_app, "display"))
    assert display.url.endswith("/pantalla/")
    assert "Todavía no hay llamados hoy" in display.locator("main").inner_text()
    _checked_at_all_widths(display_visit)
    display.evaluate("() => { window.__sinRecargar = true; }")

    kiosk = new_page()
    kiosk_visit = _activate(kiosk, base, _activation_code(identity_app, "kiosk"))
    assert kiosk.url.endswith("/kiosco/")
    _checked_at_all_widths(kiosk_visit)
    # a QR scanner is a keyboard: it types the code into the focused field and presses Enter
    assert kiosk.evaluate("document.activeElement.id") == "codigo"
    with kiosk.expect_navigation():
        kiosk.keyboard.type(scanned["code"] + "\n")
    assert kiosk.locator("#numero").inner_text() == "T-001"
    _checked_at_all_widths(kiosk_visit)
    kiosk.goto(base + "/kiosco/")
    kiosk.fill("#documento", "30.123.456")
    with kiosk.expect_navigation():
        kiosk.click("main button:has-text('Registrar mi llegada con el documento')")
    assert kiosk.locator("#numero").inner_text() == "T-002"

    desk = new_page()
    desk_visit = Visit(desk, base)
    desk.goto(base + "/bandeja/turnos/")
    desk.fill("#campo-usuario", "mesa")
    desk.fill("#campo-contrasena", password_of("mesa"))
    desk.click("main button:has-text('Ingresar')")
    desk.wait_for_url("**/bandeja/turnos/")
    desk.click(f"main a[href='/bandeja/turnos/{OFFICE}']")
    desk.fill("#puesto", "Puesto 4")
    with desk.expect_navigation():
        desk.click("main button:has-text('Usar este puesto')")
    _checked_at_all_widths(desk_visit)
    desk.set_viewport_size({"width": 1280, "height": 900})
    with desk.expect_navigation():
        desk.click("#llamar")
    assert "Llamó al número T-001." in desk.locator("main").inner_text()
    assert desk.locator("#numero-llamado").inner_text() == "T-001"
    _checked_at_all_widths(desk_visit)

    # someone without an appointment takes a number: the desk's list shows it without a reload
    desk.evaluate("() => { window.__sinRecargar = true; }")
    kiosk.goto(base + "/kiosco/")
    with kiosk.expect_navigation():
        kiosk.click("main button:has-text('Servicio atencion-rentas')")
    assert kiosk.locator("#numero").inner_text() == "S-003"
    desk.wait_for_function("() => document.querySelector('#lista-espera')?.textContent.includes('S-003')",
                           timeout=20000)
    assert desk.evaluate("() => window.__sinRecargar === true"), "the desk reloaded"

    # the display asks for its calls every few seconds and swaps them in place
    display.wait_for_function("() => document.querySelector('[data-ticket]')?.textContent === 'T-001'",
                              timeout=15000)
    assert "Puesto 4" in display.locator(".display-current").inner_text()
    assert display.evaluate("() => window.__sinRecargar === true"), "the display reloaded"
    _checked_at_all_widths(display_visit)

    with desk.expect_navigation():
        desk.click("main button:has-text('Atendido')")
    pin_clock(identity_app, MORNING + timedelta(minutes=12))
    with desk.expect_navigation():
        desk.click("#llamar")
    # the walk-in is served before T-002, whose time (10:30) has not come at 10:12
    display.wait_for_function("() => document.querySelector('[data-ticket]')?.textContent === 'S-003'",
                              timeout=15000)
    assert "T-001" in display.locator(".display-previous").inner_text()
    assert display.evaluate("() => window.__sinRecargar === true")
