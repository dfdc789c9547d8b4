"""Booking on a phone (390 px wide) with the keyboard only, in Chromium under the real CSP: every
page passes axe-core and scrolls no sideways; the confirmation's QR shows and its .ics downloads;
the appointment is moved once and then cancelled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import icalendar
import pytest

from tests.appointments.conftest import Site, link_in
from tests.appointments.seed import local, wednesday
from tests.fixtures.browser import LiveServer, axe_violations
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import password_of

PHONE = {"width": 390, "height": 844}
pytestmark = [pytest.mark.browser, SQLITE_ONLY]


def _tab_to(page: Any, matches: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches a JavaScript test of ``el`` (fails after ``limit``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({matches}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {matches}")


def _text_is(text: str) -> str:
    return f"el.textContent.trim() === {text!r}"


def _check(page: Any, base: str, csp: list[str]) -> None:
    assert axe_violations(page, base) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert csp == [], csp


def _phone(browser: Any, **options: Any) -> tuple[Any, Any, list[str]]:
    """A 390 px wide browser context, its page, and the CSP violations its console reports."""
    context = browser.new_context(locale="es-AR", viewport=PHONE, **options)
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    return context, page, csp


def _press_enter_and_wait(page: Any) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_booking_moving_and_cancelling_on_a_phone_with_the_keyboard(
        site: Callable[..., Site], browser: Any, live_server: Callable[..., LiveServer]) -> None:
    s = site()
    server = live_server(s.app)
    context, page, csp = _phone(browser, accept_downloads=True)
    try:
        page.goto(server.url + "/ingresar")
        _tab_to(page, "el.name === 'usuario'")
        page.keyboard.type("ciudadana")
        _tab_to(page, "el.name === 'contrasena'")
        page.keyboard.type(password_of("ciudadana"))
        _press_enter_and_wait(page)

        page.goto(server.url + "/turnos/")
        _check(page, server.url, csp)
        _tab_to(page, _text_is("Atención en Rentas"))
        _press_enter_and_wait(page)
        _check(page, server.url, csp)
        _tab_to(page, _text_is("Rentas — Centro"))
        _press_enter_and_wait(page)
        _check(page, server.url, csp)  # the month's calendar
        _tab_to(page, "(el.getAttribute('aria-label') || '').startsWith('miércoles 9 de diciembre')")
        _press_enter_and_wait(page)
        _check(page, server.url, csp)

        _tab_to(page, "el.name === 'horario'")  # the first free time: 08:00
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")  # 08:30
        page.keyboard.press("ArrowRight")  # 09:00
        assert page.evaluate("document.activeElement.value") == local(wednesday(), 9).isoformat()
        _tab_to(page, _text_is("Reservar el turno"))
        _press_enter_and_wait(page)
        assert "/turnos/gestionar/" in page.url
        _check(page, server.url, csp)
        assert page.locator("h1").inner_text() == "Su turno"
        assert "09/12/2026 09:00" in page.locator("main").inner_text()
        qr = page.locator(".turnos-qr svg")
        assert qr.is_visible() and qr.bounding_box()["width"] >= 150
        first_code = page.locator("dd.codigo").inner_text()

        _tab_to(page, "el.hasAttribute('download')")
        with page.expect_download() as downloaded:
            page.keyboard.press("Enter")
        with open(downloaded.value.path(), "rb") as ics:
            event = icalendar.Calendar.from_ical(ics.read()).walk("VEVENT")[0]
        assert event.decoded("DTSTART") == local(wednesday(), 9) and first_code in str(event["DESCRIPTION"])

        _tab_to(page, _text_is("Cambiar de horario"))
        _press_enter_and_wait(page)
        _check(page, server.url, csp)
        _tab_to(page, "(el.getAttribute('aria-label') || '').startsWith('miércoles 9 de diciembre')")
        _press_enter_and_wait(page)
        _tab_to(page, "el.name === 'horario'")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        chosen = page.evaluate("document.activeElement.value")
        _tab_to(page, _text_is("Cambiar el turno"))
        _press_enter_and_wait(page)
        _check(page, server.url, csp)
        assert page.locator("dd.codigo").inner_text() != first_code
        assert chosen == local(wednesday(), 8, 30).isoformat()
        assert "09/12/2026 08:30" in page.locator("main").inner_text()

        _tab_to(page, "el.name === 'motivo'")
        page.keyboard.type("Me surgió un viaje")
        _tab_to(page, _text_is("Cancelar el turno"))
        _press_enter_and_wait(page)
        _check(page, server.url, csp)
        assert page.locator("h1").inner_text() == "Turno cancelado"
        assert "Me surgió un viaje" in page.locator("main").inner_text()

        page.goto(server.url + "/turnos/mis-turnos")
        _check(page, server.url, csp)
        assert "Cancelado" in page.locator("main").inner_text()
    finally:
        context.close()


def test_a_guest_books_on_a_phone_with_the_keyboard_after_confirming_the_address(
        site: Callable[..., Site], browser: Any, live_server: Callable[..., LiveServer]) -> None:
    s = site(allows_guest=True)
    server = live_server(s.app)
    context, page, csp = _phone(browser)
    try:
        page.goto(f"{server.url}/turnos/servicio/{s.service_id}/agenda/{s.agenda_id}/{wednesday().isoformat()}")
        _check(page, server.url, csp)
        _tab_to(page, "el.name === 'horario'")
        page.keyboard.press("Space")
        _tab_to(page, "el.name === 'email'")
        page.keyboard.type("no-es-un-correo")
        _tab_to(page, _text_is("Enviarme el enlace para reservar"))
        _press_enter_and_wait(page)
        _check(page, server.url, csp)  # the errors, announced and linked to their fields
        assert page.locator("[role=alert]").count() == 1
        assert page.locator("#f-email").get_attribute("aria-invalid") == "true"
        assert page.locator("#f-documento").get_attribute("aria-describedby") == "d-documento e-documento"

        _tab_to(page, "el.name === 'horario'")
        page.keyboard.press("Space")
        _tab_to(page, "el.name === 'email'")
        page.keyboard.press("Control+A")
        page.keyboard.type("invitada@example.com")
        _tab_to(page, "el.name === 'documento'")
        page.keyboard.type("20345678")
        _tab_to(page, _text_is("Enviarme el enlace para reservar"))
        _press_enter_and_wait(page)
        _check(page, server.url, csp)
        assert page.locator("h1").inner_text() == "Revise su correo"

        [mail] = s.mail.wait_for(1)
        link = link_in(mail.message.get_body(("plain",)).get_content(), "/turnos/invitado/")
        page.goto(server.url + link)
        _check(page, server.url, csp)
        assert page.locator("h1").inner_text() == "Confirmar el turno"  # opening the link books nothing
        _tab_to(page, _text_is("Confirmar el turno"))
        _press_enter_and_wait(page)
        _check(page, server.url, csp)
        assert page.locator("h1").inner_text() == "Su turno" and page.locator(".turnos-qr svg").is_visible()
        assert "09/12/2026 08:00" in page.locator("main").inner_text()
    finally:
        context.close()
