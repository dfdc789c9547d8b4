"""In Chromium: while a file is still uploading, the start form cannot be sent (its buttons wait
with a Spanish message, and a submit that is asked for anyway is held back); when the upload
ends, the form may be sent again. The upload is held by the test, not slowed by a sleep."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.browser import LiveServer, Visit
from tests.fixtures.identity import password_of
from tests.portal.helpers import KEY, PDF, deploy

pytestmark = pytest.mark.browser
WAIT = "Espere a que termine la carga del archivo"


def test_the_form_waits_for_the_upload(identity_app: Flask, page: Any, live_server: Callable[..., LiveServer],
                                       tmp_path: Path) -> None:
    deploy(identity_app)
    base = live_server(identity_app).url
    visit = Visit(page, base)
    page.goto(base + "/ingresar")
    page.fill("#campo-usuario", "ciudadana")
    page.fill("#campo-contrasena", password_of("ciudadana"))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/(?!ingresar)"))
    page.goto(f"{base}/iniciar/{KEY}")
    held: list[Any] = []
    page.route(re.compile(r".*/iniciar/archivo.*"), lambda route: held.append(route))  # held until released

    document = tmp_path / "constancia.pdf"
    document.write_bytes(PDF)
    page.fill("#campo-nombre", "Lucía Gómez")
    page.set_input_files("#campo-constancia", str(document))
    page.wait_for_selector("button[value=enviar]:disabled")
    assert page.is_disabled("button[value=guardar]")
    assert WAIT in page.locator(".subida-espera").inner_text()
    visit.check()

    page.evaluate("document.querySelector('form.tramite').requestSubmit()")
    page.wait_for_selector(".subida-espera[role=alert]")
    assert page.url.endswith(f"/iniciar/{KEY}") and page.input_value("#campo-nombre") == "Lucía Gómez"

    assert len(held) == 1
    held[0].continue_()
    page.wait_for_selector("text=Archivo cargado: constancia.pdf")
    assert page.is_enabled("button[value=enviar]") and page.locator(".subida-espera").inner_text() == ""
    visit.check()
