"""Conditional fields in the portal, in Chromium: a checkbox whose ``if/then`` makes a field required.

With JavaScript, ticking the box re-renders the form's part through htmx (posted to the page's own
URL) and the field appears, required; unticking hides it. Without JavaScript the «Actualizar el
formulario» button does the same by a plain submit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import password_of

pytestmark = pytest.mark.browser

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "portal" / "corte_calles"
START = "/iniciar/corte_calles"
STREETS = "#campo-calles__afectadas"


@pytest.fixture
def base(identity_app: Flask, live_server: Callable[[Any], Any]) -> str:
    api = ApiClient(identity_app, make_token(identity_app, "portal-pruebas", "admin"))
    assert api.deploy(BUNDLE).status_code == 201
    return str(live_server(identity_app).url)


@pytest.fixture
def no_script_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="es-AR", java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def _sign_in(page: Any, base: str) -> None:
    page.goto(base + "/ingresar?siguiente=" + START)
    page.fill("#campo-usuario", "ciudadana")
    page.fill("#campo-contrasena", password_of("ciudadana"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url(f"**{START}")


def test_ticking_the_box_shows_the_required_field_and_unticking_hides_it(page: Any, base: str) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    _sign_in(page, base)
    assert page.locator(STREETS).count() == 0
    page.fill("#campo-nombre", "Club Atlético")
    page.check("#campo-corte__calles")
    page.locator(STREETS).wait_for(state="visible")
    assert page.locator(STREETS).get_attribute("aria-required") == "true"
    assert page.input_value("#campo-nombre") == "Club Atlético"  # the rest of the form is kept
    page.uncheck("#campo-corte__calles")
    page.locator(STREETS).wait_for(state="detached")
    page.check("#campo-corte__calles")
    page.locator(STREETS).wait_for(state="visible")
    with page.expect_navigation():  # required: the form comes back with the error
        page.click("button:has-text('Enviar solicitud')")
    assert page.locator("#campo-calles__afectadas--error").is_visible()
    assert errors == []


def test_without_javascript_the_update_button_shows_and_hides_the_field(no_script_page: Any, base: str) -> None:
    page = no_script_page
    _sign_in(page, base)
    assert page.locator(STREETS).count() == 0
    page.fill("#campo-nombre", "Club Atlético")
    page.check("#campo-corte__calles")
    page.click("button:has-text('Actualizar el formulario')")
    page.locator(STREETS).wait_for(state="visible")
    assert page.input_value("#campo-nombre") == "Club Atlético"
    page.uncheck("#campo-corte__calles")
    page.click("button:has-text('Actualizar el formulario')")
    page.locator("#campo-nombre").wait_for()
    assert page.locator(STREETS).count() == 0
