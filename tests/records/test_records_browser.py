"""The records manager in Chromium: a supervisor closes a finished case from its case view, the
test clock runs past its retention, the background work lists it, the records manager approves
its destruction on the archive page, and the act remains in the register. axe-core finds no
violation and the CSP refuses nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.browser import Visit
from tests.fixtures.identity import password_of
from tests.records.helpers import archive

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def _sign_in(page: Any, base: str, who: str) -> None:
    page.goto(base + "/ingresar")
    page.fill("#campo-usuario", who)
    page.fill("#campo-contrasena", password_of(who))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_load_state()


def test_close_archive_list_approve_destroy_and_the_record_remains(page: Any, identity_app: Flask,
                                                                   live_server: Callable[[Any], Any]) -> None:
    with identity_app.app_context(), unit_of_work():
        ensure_user("archivera", display_name="Archivera", password=password_of("archivera"), roles=("archivist",))
    arch = archive(identity_app)
    number = arch.start()
    base = live_server(identity_app).url
    visit = Visit(page, base)

    _sign_in(page, base, "admin")
    page.goto(f"{base}/bandeja/expedientes/{number}")
    visit.check()
    page.fill("#motivo-cierre", "Constancia entregada")
    page.click("main button:has-text('Cerrar expediente')")
    page.wait_for_selector("text=Expediente cerrado y archivado.")
    assert "Acta de cierre" in page.locator("main").inner_text()
    visit.check()
    page.context.clear_cookies()

    arch.later(days=2 * 365 + 2)  # past the procedure's two years: the background work lists it
    _sign_in(page, base, "archivera")
    assert page.url.endswith("/bandeja/archivo")
    row = page.locator("tr", has_text=number)
    assert "Destruir" in row.inner_text()
    visit.check()
    row.get_by_role("button", name="Aprobar destrucción").click()
    page.wait_for_selector(f"text=Expediente {number} destruido")
    register = page.locator("section", has_text="Registro de disposición")
    assert number in register.inner_text() and "archivera" in register.inner_text()
    assert "No hay expedientes con el plazo de conservación cumplido." in page.locator("main").inner_text()
    visit.check()
    assert arch.instance_id(number) is None
    response = page.goto(f"{base}/bandeja/expedientes/{number}")
    assert response is not None and response.status == 404
