"""The auditor's case search and the administrator's pages in Chromium, at 390 px and 1280 px:
each lands on its work, axe-core finds no violation, the CSP refuses nothing, nothing in the
page's content reaches past the screen's width."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.browser import Visit
from tests.fixtures.identity import password_of
from tests.worklists.helpers import staffed

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
WIDTHS = (390, 1280)


def _sign_in(page: Any, base: str, who: str) -> None:
    page.goto(base + "/ingresar")
    page.fill("#campo-usuario", who)
    page.fill("#campo-contrasena", password_of(who))
    page.click("main button:has-text('Ingresar')")


# The header's wrapping on phones is issue 19's point 5 (another change): here, the pages' own content.
MAIN_WIDTH = "(m => Math.max(m.scrollWidth, m.getBoundingClientRect().right))(document.querySelector('main'))"


def _check_every_width(page: Any, visit: Visit) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(MAIN_WIDTH) <= width, (page.url, width)
        visit.check()


def test_the_auditor_and_the_administrator_find_their_work(page: Any, identity_app: Flask,
                                                          live_server: Callable[[Any], Any]) -> None:
    number = staffed(identity_app).start(1)[0]
    base = live_server(identity_app).url
    visit = Visit(page, base)

    _sign_in(page, base, "auditor")
    page.wait_for_url("**/bandeja/expedientes/")
    _check_every_width(page, visit)
    page.fill("#b-numero", number)
    page.click("main button:has-text('Buscar')")
    page.wait_for_selector(f"main table a:has-text('{number}')")
    _check_every_width(page, visit)
    page.goto(base + "/bandeja/expedientes/?desde=2026-02-30")
    assert page.locator("#e-desde").is_visible()
    _check_every_width(page, visit)
    page.click("header button:has-text('Salir')")

    _sign_in(page, base, "admin")
    page.wait_for_url("**/administracion/")
    _check_every_width(page, visit)
    page.get_by_role("link", name="Usuarios y tokens de la API").click()
    page.wait_for_selector("#tokens")
    page.fill("#t-nombre", "tablero-externo")
    page.check("input[name='alcances'][value='read']")
    page.click("main button:has-text('Crear token')")
    page.wait_for_selector("#token-secreto")
    _check_every_width(page, visit)
    page.goto(base + "/administracion/usuarios/mesa")
    _check_every_width(page, visit)
