"""The studio's own pages in Chromium, on a desktop and on a phone: an analyst signs in and lands
on the studio, creates a draft, fills its catalogue data. axe-core finds no violation, no CSP
violation is reported, and nothing overflows the phone's width."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.browser import Visit
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import password_of
from tests.worklists.helpers import Staffed
from tests.worklists.studio.editors import draft_of

pytestmark = [pytest.mark.browser, SQLITE_ONLY]


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize("width", [1280, 390])
def test_an_analyst_lands_on_the_studio_and_fills_a_new_procedures_data(
        staff: Staffed, live_server: Callable[[Any], Any], browser: Any, width: int) -> None:
    server = live_server(staff.app)
    context = browser.new_context(locale="es-AR", viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        visit = Visit(page, server.url)
        visit.sign_in("analista", password_of("analista"))
        assert page.url == server.url + "/estudio/"
        assert page.get_by_role("heading", name="Estudio de trámites").is_visible()
        visit.check()
        assert _fits(page)

        page.fill("#nombre", "Permiso de feria")
        page.fill("#clave", "permiso_feria")
        with page.expect_navigation():
            page.get_by_role("button", name="Crear borrador").click()
        page.wait_for_selector("#modelador[data-ready=true]", timeout=20000)  # the modeller, fonts and all
        draft_id = int(page.url.rstrip("/").split("/borradores/")[1].split("/")[0])
        page.goto(f"{server.url}/estudio/borradores/{draft_id}/tramite")
        visit.check()
        assert _fits(page)
        page.fill("#categoria", "Espacio público")
        page.fill("#requisitos", "DNI\nFoto del puesto")
        page.fill("#plazo", "cinco")
        with page.expect_navigation():
            page.get_by_role("button", name="Guardar los datos").click()
        assert page.get_by_role("alert").inner_text().count("número entero") == 1
        visit.check()
        page.fill("#plazo", "5")
        with page.expect_navigation():
            page.get_by_role("button", name="Guardar los datos").click()
        assert "Se guardaron los datos del trámite." in page.inner_text("main")
        assert page.input_value("#requisitos") == "DNI\nFoto del puesto"
        visit.check()

        page.goto(server.url + "/estudio/")
        assert "Permiso de feria" in page.inner_text("main")
        visit.check()
        assert _fits(page)
    finally:
        context.close()


def test_staff_never_see_the_studio_link(staff: Staffed, live_server: Callable[[Flask], Any], browser: Any) -> None:
    server = live_server(staff.app)
    context = browser.new_context(locale="es-AR")
    try:
        page = context.new_page()
        page.goto(server.url + "/ingresar")
        page.fill("input[name=usuario]", "mesa")
        page.fill("input[name=contrasena]", password_of("mesa"))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert page.get_by_role("link", name="Estudio").count() == 0
        assert page.goto(server.url + "/estudio/").status == 403  # type: ignore[union-attr]
    finally:
        context.close()


def test_a_drafts_page_with_long_file_names_fits_a_phone(staff: Staffed, live_server: Callable[[Any], Any],
                                                         browser: Any) -> None:
    # its name «Borrador de habilitacion_comercial», its files habilitacion_comercial.bpmn, …uischema.json
    draft_id = draft_of(staff.app, "habilitacion_comercial")
    server = live_server(staff.app)
    context = browser.new_context(locale="es-AR", viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        Visit(page, server.url).sign_in("analista", password_of("analista"))
        page.goto(f"{server.url}/estudio/borradores/{draft_id}/tramite")
        assert "habilitacion_comercial.bpmn" in page.inner_text("main")
        assert _fits(page)
    finally:
        context.close()
