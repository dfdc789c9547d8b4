"""A citizen's whole journey in Chromium: sign up, verify the e-mail, start a procedure, upload a
document with its progress bar, save a draft, come back, submit, follow the case, and open the
tracking page signed out. axe-core on every page visited, and no CSP violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from connectors.notify.mail import plain_sender
from portal.security import EXTENSION
from tests.fixtures.smtp import SmtpServer
from tests.portal.helpers import KEY, PDF, deploy
from tests.portal.test_identity_browser import Visit

pytestmark = pytest.mark.browser

LINK = re.compile(r"(https?://\S+/registrarse/confirmar/\S+)")
EMAIL, PASSWORD = "lucia@example.com", "caballo-correcto-bateria"


@pytest.fixture
def served(secure_app: Callable[..., Flask], live_server: Callable[[Any], Any],
           smtp_server: SmtpServer) -> tuple[Flask, str]:
    smtp_server.clear()
    app = secure_app(send_email=plain_sender(smtp_server.settings()))
    deploy(app)
    server = live_server(app)
    app.extensions[EXTENSION].public_url = server.url
    return app, server.url


def _sign_up_and_verify(visit: Visit, smtp_server: SmtpServer) -> None:
    page = visit.page
    page.goto(visit.base + "/registrarse")
    visit.check()
    page.fill("#campo-nombre", "Lucía Gómez")
    page.fill("#campo-email", EMAIL)
    page.fill("#campo-documento", "27-30123456-8")
    page.fill("#campo-contrasena", PASSWORD)
    page.fill("#campo-confirmacion", PASSWORD)
    page.click("button:has-text('Crear cuenta')")
    page.wait_for_url("**/registrarse/enviado")
    visit.check()
    body = smtp_server.wait_for(1)[0].message.get_body(preferencelist=("plain",)).get_content()
    found = LINK.search(body)
    assert found, body
    page.goto(found.group(1))
    visit.check()
    with page.expect_navigation():  # both pages have an <h1>: read the new one
        page.click("text=Activar mi cuenta")
    assert page.locator("h1").inner_text() == "Su cuenta está activa"
    visit.check()


def _start_from_the_guide(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + f"/guia/{KEY}")
    visit.check()
    page.get_by_role("link", name="Iniciar trámite").click()
    page.wait_for_url(re.compile(r".*/ingresar\?siguiente=.*"))  # signed out: sign in first, then back to the form
    visit.check()
    page.fill("#campo-usuario", EMAIL)
    page.fill("#campo-contrasena", PASSWORD)
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url(f"**/iniciar/{KEY}")
    visit.check()


def _upload_and_save_a_draft(visit: Visit, document: Path) -> None:
    page = visit.page
    page.fill("#campo-nombre", "Lucía Gómez")
    page.set_input_files("#campo-constancia", str(document))
    bar = page.locator("#campo-constancia--subida-progreso")
    bar.wait_for(state="visible")
    status = page.locator("#campo-constancia--subida-estado")
    status.filter(has_text="Archivo cargado: constancia.pdf").wait_for()
    assert bar.is_visible() and bar.get_attribute("value") == "100"  # (the page's CSP forbids eval)
    visit.check()
    page.click("button:has-text('Guardar borrador')")
    page.wait_for_url(re.compile(r".*/borradores\?guardado=.*"))
    assert "Guardamos su borrador" in page.locator("main").inner_text()
    visit.check()


def _come_back_and_submit(visit: Visit) -> str:
    page = visit.page
    page.goto(visit.base + "/")
    page.get_by_role("link", name="Mis borradores").click()
    visit.check()
    page.get_by_role("link", name="Retomar: Solicitud de prueba del portal").click()
    assert page.input_value("#campo-nombre") == "Lucía Gómez"
    assert "constancia.pdf" in page.locator("#campo-constancia--campo").inner_text()
    visit.check()
    with page.expect_navigation():  # the reason is missing: the form comes back with the error
        page.click("button:has-text('Enviar solicitud')")
    assert page.locator("#campo-motivo--error").is_visible()
    assert page.input_value("#campo-nombre") == "Lucía Gómez"
    visit.check()
    page.fill("#campo-motivo", "Necesito el permiso para la feria")
    page.click("button:has-text('Enviar solicitud')")
    page.wait_for_url(re.compile(r".*/mis-tramites/[^/]+\?nuevo=1$"))
    visit.check()
    return page.locator(".codigo").inner_text()


def test_a_citizen_starts_follows_and_tracks_a_case(page: Any, served: tuple[Flask, str], smtp_server: SmtpServer,
                                                    tmp_path: Path) -> None:
    visit = Visit(page, served[1])
    document = tmp_path / "constancia.pdf"
    document.write_bytes(PDF)
    _sign_up_and_verify(visit, smtp_server)
    _start_from_the_guide(visit)
    _upload_and_save_a_draft(visit, document)
    code = _come_back_and_submit(visit)
    assert "constancia.pdf" in page.locator("main").inner_text()
    with page.expect_navigation():  # the case page has a <main> with items too: read the list's
        page.get_by_role("link", name="Mis trámites").first.click()
    row = page.locator("main li").first
    assert "En trámite" in row.inner_text() and "Revisar solicitud" in row.inner_text()
    visit.check()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Novedades")).click()
    assert "Se inició el trámite" in page.locator("main").inner_text()
    visit.check()
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(visit.base + "/")
    page.get_by_role("link", name="Seguimiento").click()
    visit.check()
    page.fill("#codigo", code)
    page.click("main button:has-text('Consultar')")
    page.wait_for_url("**/seguimiento/*")
    text = page.locator("main").inner_text()
    assert "Solicitud de prueba del portal" in text and "En trámite" in text and "Lucía" not in text
    visit.check()
