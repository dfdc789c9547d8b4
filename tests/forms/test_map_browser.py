"""The map widget in Chromium, on the street-use permit's start page: the map appears, a click fills
the inputs, typing moves the marker, the keyboard marks the centre and leaves; axe-core finds nothing
and the CSP blocks nothing. This machine has no internet: tile requests are answered with an error
at once (the CSP let them out, which is what the test checks), and the map works without them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.browser import LiveServer, axe_violations
from tests.fixtures.engine import ApiClient, make_token

pytestmark = pytest.mark.browser

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
KEY = "permiso_via_publica"
BOX = "#campo-ubicacion--mapa"
LAT, LON = "#campo-ubicacion-lat", "#campo-ubicacion-lon"
# Where the marker's tip is, against the map's centre (pixels; Leaflet anchors the icon at its tip).
MARKER_OFFSET = """() => {
  const box = document.querySelector('#campo-ubicacion--mapa').getBoundingClientRect();
  const pin = document.querySelector('#campo-ubicacion--mapa .leaflet-marker-icon').getBoundingClientRect();
  return [pin.left + pin.width / 2 - (box.left + box.width / 2), pin.bottom - (box.top + box.height / 2)];
}"""


@pytest.fixture
def base(make_app: Callable[..., Flask], live_server: Callable[..., LiveServer]) -> str:
    app = make_app()
    assert ApiClient(app, make_token(app, "despliegue", "admin")).deploy(PROCESSES / KEY).status_code == 201
    with app.app_context(), unit_of_work():
        ensure_user("vecina", display_name="Vecina", password="vecina-clave-segura", email="vecina@example.com",
                    roles=("citizen",))
    return live_server(app).url


def _start_page(page: Any, base: str) -> tuple[list[str], list[str]]:
    """Sign in and open the start form; return the CSP complaints and the tile requests, as they come."""
    csp: list[str] = []
    tiles: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    page.route("https://tile.openstreetmap.org/**", lambda route: (tiles.append(route.request.url), route.abort()))
    page.goto(base + "/ingresar")
    page.fill("#campo-usuario", "vecina")
    page.fill("#campo-contrasena", "vecina-clave-segura")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    response = page.goto(f"{base}/iniciar/{KEY}")
    assert response is not None and response.status == 200
    page.wait_for_selector(f"{BOX}.leaflet-container")
    return csp, tiles


def test_the_map_marks_the_point_and_the_inputs_move_it(page: Any, base: str) -> None:
    csp, tiles = _start_page(page, base)
    assert page.is_visible("#campo-ubicacion--mapa-ayuda")
    assert page.get_attribute(BOX, "aria-label") == "Mapa: Ubicación"
    assert axe_violations(page, base) == []

    page.locator(BOX).click(position={"x": 90, "y": 70})  # off-centre (past the zoom buttons): no pan on a click
    assert re.fullmatch(r"-26\.\d{6}", page.input_value(LAT)), page.input_value(LAT)
    assert re.fullmatch(r"-65\.\d{6}", page.input_value(LON)), page.input_value(LON)
    assert float(page.input_value(LAT)) > -26.8083 and float(page.input_value(LON)) < -65.2176  # up and left
    assert "Punto marcado: latitud" in page.inner_text(f"{BOX}-estado")
    x, y = page.evaluate(MARKER_OFFSET)
    assert x < -50 and y < -50, (x, y)

    page.fill(LAT, "-26.8300")
    page.fill(LON, "-65.2050")
    page.press(LON, "Tab")  # "change": the marker goes to the typed point, which the map centres
    centred = f"() => {{ const [x, y] = ({MARKER_OFFSET})(); return Math.abs(x) < 2 && Math.abs(y) < 2; }}"
    page.wait_for_function(centred)

    page.focus(BOX)  # the keyboard: arrows pan, Enter marks the centre and does not send the form
    page.wait_for_timeout(400)  # Leaflet ignores arrows while a pan (the one above) is still animating
    page.press(BOX, "ArrowRight")
    page.wait_for_timeout(400)
    page.press(BOX, "Enter")
    assert page.url.endswith(f"/iniciar/{KEY}")
    assert abs(float(page.input_value(LAT)) + 26.83) < 0.0005
    assert float(page.input_value(LON)) > -65.2050  # panned east
    for _ in range(6):  # not a trap: Tab leaves the map (its zoom buttons come first)
        page.keyboard.press("Tab")
        if not page.evaluate(f"() => document.querySelector('{BOX}').contains(document.activeElement)"):
            break
    else:
        pytest.fail("Tab did not leave the map")

    assert axe_violations(page, base) == []
    assert csp == [], csp
    assert tiles, "the page asked for no tile: the CSP or the setting kept them out"


def test_without_javascript_the_inputs_are_the_form(browser: Any, base: str) -> None:
    context = browser.new_context(locale="es-AR", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base + "/ingresar")
        page.fill("#campo-usuario", "vecina")
        page.fill("#campo-contrasena", "vecina-clave-segura")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.goto(f"{base}/iniciar/{KEY}")
        assert page.is_visible(LAT) and page.is_visible(LON)
        assert not page.is_visible("#campo-ubicacion--mapa-campo")
    finally:
        context.close()
