"""The pages people use most on a phone (390 px) and on a desktop (1280 px): the citizen's signed-in
home, the reclamo web form, the inbox with a task, the dashboard. None scrolls sideways, «Salir» and
«Tomar» stay within the screen, and after «Tomar» (an htmx swap) the inbox counts show the claim."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.browser import LiveServer, Visit
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.require import free_port
from tests.procedures.conftest import PROCESSES

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
# user name -> (roles, groups); the password is "<name>-clave-segura".
PEOPLE = {"vecina": (("citizen",), ()), "jefa": (("staff", "supervisor"), ("alumbrado",))}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
# The elements reaching past the right edge: what a failure names.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8)
  .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)"""
INSIDE = """(element) => { const box = element.getBoundingClientRect();
  return box.left >= 0 && box.right <= window.innerWidth && box.width > 0; }"""


@pytest.fixture
def served(make_app: Callable[..., Flask], live_server: Callable[..., LiveServer]) -> tuple[Flask, str]:
    port = free_port()
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}")
    assert ApiClient(app, make_token(app, "despliegue", "admin")).deploy(PROCESSES / "reclamo").status_code == 201
    with app.app_context(), unit_of_work():
        for name, (roles, groups) in PEOPLE.items():
            ensure_user(name, display_name=f"{name.capitalize()} de Tucumán", password=f"{name}-clave-segura",
                        email=f"{name}@example.com", roles=roles, groups=groups)
    return app, live_server(app, port).url


def _sign_in(visit: Visit, name: str) -> None:
    page = visit.page
    page.context.clear_cookies()
    page.goto(visit.base + "/ingresar")
    page.fill("#campo-usuario", name)
    page.fill("#campo-contrasena", f"{name}-clave-segura")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/(?!ingresar)"))


def _fits(visit: Visit, path: str, width: dict[str, int]) -> None:
    """The page at ``path`` shows without sideways scrolling and passes axe-core."""
    page = visit.page
    page.set_viewport_size(width)
    response = page.goto(visit.base + path)
    assert response is not None and response.status == 200, path
    assert page.evaluate(OVERFLOW) <= 0, (path, width, page.evaluate(OVERFLOW), page.evaluate(WIDE))
    visit.check()


def _visible(page: Any, selector: str) -> bool:
    return bool(page.locator(selector).first.evaluate(INSIDE))


def _report_a_reclamo(visit: Visit) -> None:
    page = visit.page
    page.check("#f-categoria-alumbrado")
    page.fill("#f-descripcion", "La luminaria de la esquina está apagada desde el lunes.")
    page.locator("#mapa").click()
    page.click("form.reclamo button[type=submit]")
    page.wait_for_url(re.compile(r"/reclamos/recibido/"))


def test_no_page_scrolls_sideways_on_a_phone(page: Any, served: tuple[Flask, str]) -> None:
    _, base = served
    visit = Visit(page, base)
    for width in (DESKTOP, PHONE):
        _fits(visit, "/reclamos/nuevo", width)
    _report_a_reclamo(visit)

    _sign_in(visit, "vecina")
    for width in (DESKTOP, PHONE):
        _fits(visit, "/", width)
    assert _visible(page, "header button:has-text('Salir')")

    _sign_in(visit, "jefa")
    for width in (DESKTOP, PHONE):
        _fits(visit, "/bandeja/tablero/", width)
        _fits(visit, "/bandeja/", width)
    assert _visible(page, "header button:has-text('Salir')")
    claim = page.locator("main button:has-text('Tomar')").first
    assert claim.evaluate(INSIDE)
    assert "Mis tareas (0)" in page.locator("nav.boxes").inner_text()

    claim.click()  # htmx swaps the results and, out of band, the boxes with their counts
    page.wait_for_selector("text=Tareas tomadas: 1.")
    assert "Mis tareas (1)" in page.locator("nav.boxes").inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    visit.check()
