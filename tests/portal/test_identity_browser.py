"""Identity pages in Chromium: a citizen signs up, verifies by e-mail, signs in and out;
an analyst uses the studio's preview under CSRF. axe-core on every page, no CSP violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from connectors.notify.mail import plain_sender
from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from portal.security import EXTENSION
from tests.fixtures.browser import Visit
from tests.fixtures.smtp import SmtpServer

pytestmark = pytest.mark.browser

LINK = re.compile(r"(https?://\S+/registrarse/confirmar/\S+)")


@pytest.fixture
def served(secure_app: Callable[..., Flask], live_server: Callable[[Any], Any],
           smtp_server: SmtpServer) -> tuple[Flask, str]:
    smtp_server.clear()
    app = secure_app(send_email=plain_sender(smtp_server.settings()))
    with app.app_context(), unit_of_work():
        ensure_user("analista", display_name="Lucía Campos", password="analista-clave-1", roles=("analyst",))
    server = live_server(app)
    app.extensions[EXTENSION].public_url = server.url  # links in e-mails point at this server
    return app, server.url


def _sign_up(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + "/")
    visit.check()
    page.get_by_role("link", name="Crear cuenta", exact=True).click()
    visit.check()
    page.fill("#campo-nombre", "María Fernández")
    page.fill("#campo-email", "maria@example.com")
    page.fill("#campo-documento", "27-30123456-4")  # wrong check digit
    page.fill("#campo-contrasena", "caballo-correcto-bateria")
    page.fill("#campo-confirmacion", "caballo-correcto-bateria")
    page.click("button:has-text('Crear cuenta')")
    assert page.locator("#error-documento").inner_text().startswith("El CUIL no es válido")
    assert page.input_value("#campo-nombre") == "María Fernández"  # what was typed is kept
    visit.check()
    page.fill("#campo-documento", "27-30123456-8")
    page.fill("#campo-contrasena", "caballo-correcto-bateria")
    page.fill("#campo-confirmacion", "caballo-correcto-bateria")
    page.click("button:has-text('Crear cuenta')")
    page.wait_for_url("**/registrarse/enviado")
    visit.check()


def test_citizen_signs_up_verifies_signs_in_and_out(page: Any, served: tuple[Flask, str],
                                                    smtp_server: SmtpServer) -> None:
    visit = Visit(page, served[1])
    _sign_up(visit)
    body = smtp_server.wait_for(1)[0].message.get_body(preferencelist=("plain",)).get_content()
    page.goto(LINK.search(body).group(1))
    visit.check()
    with page.expect_navigation():  # both pages have an <h1>: read the new one
        page.click("text=Activar mi cuenta")
    assert page.locator("h1").inner_text() == "Su cuenta está activa"
    visit.check()
    # Wait for the page the link opens: checked while it loads, it has no <head> for axe yet.
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Ingresar", exact=True).click()
    visit.check()
    page.fill("#campo-usuario", "maria@example.com")
    page.fill("#campo-contrasena", "caballo-correcto-bateria")
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url(visit.base + "/")
    with page.expect_navigation():
        page.get_by_role("link", name="María Fernández").click()
    assert "Ciudadano/a" in page.locator("main").inner_text()
    visit.check()
    page.goto(visit.base + "/estudio/formularios/")
    assert "no tiene permiso" in page.locator("main").inner_text()
    visit.check()
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(visit.base + "/")
    assert page.locator("header").get_by_role("link", name="Ingresar", exact=True).count() == 1
    page.goto(visit.base + "/cuenta")
    assert "/ingresar" in page.url


def test_analyst_uses_the_preview_with_csrf_from_the_page(page: Any, served: tuple[Flask, str]) -> None:
    visit = Visit(page, served[1])
    page.goto(visit.base + "/estudio/formularios/")
    assert "/ingresar?siguiente=" in page.url
    page.fill("#campo-usuario", "analista")
    page.fill("#campo-contrasena", "analista-clave-1")
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/estudio/formularios/")
    # The preview's own forms have no CSRF field: the layout's script adds it on submit.
    with page.expect_navigation():
        page.click("text=Mostrar el formulario")
    assert page.locator("#vista").count() == 1
    assert "El formulario venció" not in page.content()
    visit.check()
