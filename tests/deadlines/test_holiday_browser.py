"""The holiday page in Chromium: an administrator adds a holiday (after a mistake) and removes it.

axe-core runs on every page visited; no Content Security Policy violation may appear.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask

from tests.deadlines.common import set_holidays
from tests.fixtures.browser import axe_violations
from tests.fixtures.identity import password_of

pytestmark = pytest.mark.browser


def test_an_administrator_keeps_the_holiday_calendar(identity_app: Flask, live_server: Callable[[Any], Any],
                                                      page: Any) -> None:
    set_holidays(identity_app, date(2026, 9, 24))
    base = live_server(identity_app).url
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)

    def check() -> None:
        assert axe_violations(page, base) == [], page.url
        assert csp == [], csp

    page.goto(base + "/administracion/feriados/?anio=2026")
    page.fill("#campo-usuario", "admin")
    page.fill("#campo-contrasena", password_of("admin"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/administracion/feriados/**")
    assert page.locator("tbody tr").count() == 1 and page.locator("td", has_text="jueves").count() == 1
    check()

    page.fill("#campo-fecha", "2026-09-29")
    page.check("input[name=tipo][value=municipal]")
    page.click("button:has-text('Agregar feriado')")
    assert page.locator("#error-nombre").inner_text() == "Ingrese el nombre del feriado (hasta 200 caracteres)."
    assert page.input_value("#campo-fecha") == "2026-09-29"  # what was typed stays
    check()

    page.fill("#campo-nombre", "San Miguel Arcángel, patrono de la ciudad")
    page.click("button:has-text('Agregar feriado')")
    page.wait_for_selector("text=Se agregó el feriado del 29/09/2026")
    assert page.locator("td", has_text="San Miguel Arcángel").count() == 1
    check()

    page.get_by_role("button", name="Quitar el feriado del 29/09/2026").click()
    page.wait_for_selector("text=Se quitó el feriado del 29/09/2026")
    assert page.locator("td", has_text="San Miguel Arcángel").count() == 0
    check()


def test_the_holiday_page_fits_a_phone(identity_app: Flask, live_server: Callable[[Any], Any], browser: Any) -> None:
    set_holidays(identity_app, date(2026, 9, 24))
    base = live_server(identity_app).url
    context = browser.new_context(locale="es-AR", viewport={"width": 390, "height": 900})
    try:
        phone = context.new_page()
        phone.goto(base + "/administracion/feriados/?anio=2026")
        phone.fill("#campo-usuario", "admin")
        phone.fill("#campo-contrasena", password_of("admin"))
        phone.click("main button:has-text('Ingresar')")
        phone.wait_for_url("**/administracion/feriados/**")
        # the table scrolls in its box; the «Quitar» buttons' hidden texts must not widen the page
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
