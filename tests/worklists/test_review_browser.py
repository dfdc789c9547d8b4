"""What staff review, in Chromium (issue #19, points 3 and 4): the document review task frames the PDFs
and shows the pictures, the reclamo's place is drawn on a Leaflet map, the case diagram fills its width
and zooms with its buttons. axe-core finds nothing at 1280 and 390 px, no page scrolls sideways and
the CSP refuses nothing. One app and one server for every step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.browser import Visit
from tests.fixtures.identity import password_of
from tests.fixtures.smtp import SmtpServer
from tests.procedures import conftest as procedures
from tests.procedures.conftest import SIGNING_PASSWORD
from tests.worklists.test_review import City

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
procedures_signing_p12 = procedures.procedures_signing_p12
WIDTHS = (1280, 390)


@pytest.fixture
def served(secure_app: Callable[..., Flask], procedures_signing_p12: Path, smtp_server: SmtpServer,
           live_server: Callable[[Any], Any]) -> tuple[City, str, str, str]:
    app = secure_app(SIGNING_CERT=str(procedures_signing_p12), SIGNING_PASSWORD=SIGNING_PASSWORD,
                     **smtp_server.settings())
    city = City(app, "habilitacion_comercial", "reclamo")
    licence, reclamo = city.licence_application(), city.reclamo_with_a_photo()
    return city, live_server(app).url, licence, reclamo


@pytest.fixture
def person(browser: Any) -> Iterator[Callable[[str, str], Visit]]:
    """``person(base, username)``: signed in, in a browser context of their own."""
    contexts: list[Any] = []

    def open_as(base: str, username: str) -> Visit:
        contexts.append(browser.new_context(locale="es-AR"))
        page = contexts[-1].new_page()
        visit = Visit(page, base)
        page.goto(base + "/ingresar")
        page.fill("#campo-usuario", username)
        page.fill("#campo-contrasena", password_of(username))
        page.click("main button:has-text('Ingresar')")
        page.wait_for_load_state()
        return visit

    yield open_as
    for context in contexts:
        context.close()


def _check_at_both_widths(visit: Visit) -> None:
    for width in WIDTHS:
        visit.page.set_viewport_size({"width": width, "height": 900})
        overflow = visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (visit.page.url, width, overflow)
        visit.check()


def test_staff_see_the_documents_the_place_and_a_readable_diagram(served: tuple[City, str, str, str],
                                                                  person: Callable[[str, str], Visit]) -> None:
    city, base, licence, reclamo = served
    mesa = person(base, "mesa")
    mesa.page.goto(f"{base}/bandeja/tareas/{city.task_id(licence)}")
    frames = mesa.page.locator("iframe.visor-pdf")
    assert frames.count() >= 2
    for index in range(frames.count()):  # a frame loads once its viewer is opened: a PDF, not a refusal
        src = base + str(frames.nth(index).get_attribute("src"))
        with mesa.page.expect_response(lambda r, src=src: r.url == src) as shown:
            mesa.page.locator("details.visor > summary").nth(index).click()
        assert shown.value.status == 200 and shown.value.headers["content-type"] == "application/pdf"
        assert frames.nth(index).is_visible()
    plan = mesa.page.locator("img.visor-imagen[alt='plano.png']")
    plan.scroll_into_view_if_needed()
    assert plan.evaluate("img => img.complete && img.naturalWidth > 0")
    _check_at_both_widths(mesa)

    mesa.page.set_viewport_size({"width": 1280, "height": 900})
    mesa.page.goto(f"{base}/bandeja/expedientes/{licence}")
    diagram = mesa.page.locator("#diagrama[data-ready='true']")
    diagram.wait_for()
    drawn = mesa.page.evaluate("""() => {
        const box = document.getElementById('diagrama');
        const shapes = box.querySelector('.djs-container svg .viewport').getBoundingClientRect();
        return [box.clientWidth, shapes.width, box.clientHeight];
    }""")
    assert drawn[1] >= 0.85 * drawn[0] and drawn[2] >= 240, drawn  # the drawing fills the width
    fitted = float(str(diagram.get_attribute("data-zoom")))
    mesa.page.get_by_role("button", name="Acercar el diagrama").click()
    assert float(str(diagram.get_attribute("data-zoom"))) > fitted
    mesa.page.get_by_role("button", name="Alejar el diagrama").focus()
    mesa.page.keyboard.press("Enter")
    mesa.page.keyboard.press("Enter")
    assert float(str(diagram.get_attribute("data-zoom"))) < fitted
    mesa.page.get_by_role("button", name="Ajustar al ancho").click()
    assert float(str(diagram.get_attribute("data-zoom"))) == fitted
    _check_at_both_widths(mesa)

    luces = person(base, "luces")
    for path in (f"/bandeja/tareas/{city.task_id(reclamo)}", f"/bandeja/expedientes/{reclamo}"):
        luces.page.set_viewport_size({"width": 1280, "height": 900})
        luces.page.goto(base + path)
        luces.page.locator(".lugar-mapa[data-map-ready='true'] .leaflet-marker-icon").wait_for()
        photo = luces.page.locator("img.visor-imagen[alt='esquina.png']")
        photo.scroll_into_view_if_needed()
        assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
        _check_at_both_widths(luces)
