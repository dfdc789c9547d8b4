"""A staff member in Chromium: signs in through LDAP (real slapd), claims a task in the inbox,
opens the case view (diagram with the path highlighted), completes the task. axe-core finds
no violation on any page visited and the CSP refuses nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from connectors.ldap_ import DirectoryConnector
from tests.fixtures.browser import Visit
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.services import LdapDirectory
from tests.worklists.helpers import BUNDLE, KEY

pytestmark = pytest.mark.browser


@pytest.fixture
def served(secure_app: Callable[..., Flask], live_server: Callable[[Any], Any],
           slapd: LdapDirectory) -> tuple[Flask, str, str]:
    app = secure_app(authenticate_staff=DirectoryConnector(slapd.connector_config()).authenticate)
    api = ApiClient(app, make_token(app, "navegador", "admin"))
    assert api.deploy(BUNDLE).status_code == 201
    started = api.start(KEY, {"solicitante": "Ana Pérez", "domicilio": "San Martín 123"})
    assert started.status_code == 201, started.get_json()
    server = live_server(app)
    return app, server.url, started.get_json()["number"]


def test_staff_claims_views_the_case_and_completes_the_task(page: Any, served: tuple[Flask, str, str],
                                                            slapd: LdapDirectory) -> None:
    _app, base, number = served
    visit = Visit(page, base)
    page.goto(base + "/bandeja/")
    assert "/ingresar?siguiente=" in page.url
    visit.check()
    page.fill("#campo-usuario", "jperez")
    page.fill("#campo-contrasena", slapd.users["jperez"])
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/bandeja/")
    row = page.locator("tr", has_text=number)
    assert row.count() == 1 and "Sin asignar" in row.inner_text()
    visit.check()

    row.get_by_role("button", name="Tomar").click()  # htmx swaps the results in place
    page.wait_for_selector("text=Tareas tomadas: 1.")
    assert "jperez" in page.locator("tr", has_text=number).inner_text()
    visit.check()

    page.get_by_role("link", name=number).click()
    page.wait_for_selector("#diagrama[data-ready='true']")
    assert page.locator(".djs-element.path-current[data-element-id='revisar']").count() == 1
    assert page.locator(".djs-element.path-done[data-element-id='inicio']").count() == 1
    assert page.locator(".djs-connection.path-done[data-element-id='f1']").count() == 1
    assert "Ana Pérez" in page.locator("main").inner_text()
    visit.check()

    page.get_by_role("link", name="Revisar solicitud").first.click()
    page.wait_for_selector("#form-title")
    visit.check()
    page.check("#campo-completo")
    page.fill("#campo-observaciones", "Documentación completa")
    page.click("main button:has-text('Completar')")
    page.wait_for_selector("text=Completó «Revisar solicitud»")
    assert number not in page.locator("main table").all_inner_texts().__str__()
    visit.check()

    page.goto(f"{base}/bandeja/expedientes/{number}")
    page.wait_for_selector("#diagrama[data-ready='true']")
    assert page.locator(".djs-element.path-done[data-element-id='aprobar']").count() == 1
    assert "finalizado" in page.locator("main").inner_text()
    visit.check()


def test_a_supervisor_reads_the_dashboard_and_the_incidents(page: Any, served: tuple[Flask, str, str],
                                                            slapd: LdapDirectory) -> None:
    _app, base, _number = served
    visit = Visit(page, base)
    page.goto(base + "/bandeja/tablero/")
    page.fill("#campo-usuario", "agomez")
    page.fill("#campo-contrasena", slapd.users["agomez"])
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/bandeja/tablero/")
    assert page.locator("svg.chart rect.bar").count() >= 1
    first = page.locator("main table").first.inner_text()
    assert "Revisión en mesa de entradas" in first and "revision_mesa" not in first  # the name, not the key
    visit.check()
    page.get_by_role("link", name="Incidentes").click()
    page.wait_for_url("**/bandeja/incidentes/")
    assert "No hay incidentes sin resolver." in page.locator("main").inner_text()
    visit.check()
    page.get_by_role("link", name="Bandejas").click()
    page.wait_for_url("**/bandeja/")
    assert page.locator("#persona option").count() >= 2  # a supervisor may assign to the group's people
    visit.check()
    page.get_by_text("Filtrar y ordenar").click()
    page.check("#f-vencidas")
    page.get_by_role("button", name="Aplicar").click()  # htmx swaps the results and pushes the URL
    page.wait_for_url("**vencidas=1**")
    assert "No hay tareas que mostrar con estos filtros." in page.locator("#resultados").inner_text()
    visit.check()
