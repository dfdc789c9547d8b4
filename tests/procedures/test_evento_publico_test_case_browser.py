"""An analyst tries «evento público» in Chromium from ``/estudio/pruebas/`` (the studio's «Probar» pages):
the real start form (the street closure makes «calles afectadas» appear), Mesa's review asking for a
correction, «Adelantar reloj» by 11 business days across the December holidays, and the case expired.
axe-core on every page, no CSP violation; waits are on elements, never on network idleness."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.deadlines.common import set_holidays
from tests.procedures.conftest import PNG_BYTES, Person, Platform, SignIn
from tests.procedures.test_evento_publico import KEY, city_today, seed_lane_groups

pytestmark = pytest.mark.browser
MAP = "#campo-ubicacion--mapa"
STREETS = "#campo-calles__afectadas"


@pytest.fixture
def analyst(platform: Platform, sign_in: SignIn) -> Person:
    """Evento público deployed on Friday 4/12/2026, 13:00 in the city (7 and 8 December are holidays)."""
    seed_lane_groups(platform)
    platform.deploy(KEY)
    set_holidays(platform.app, date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 25))
    platform.clock.now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    platform.seed_demo_users("analista")
    return sign_in("analista")


def _fill_start_form(page: Any, platform: Platform, plan: Path) -> None:
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # no network in tests
    page.check("#campo-organizador-tipo__persona--1")
    page.fill("#campo-organizador-nombre", "Asociación Amigos del Parque")
    page.fill("#campo-organizador-cuit", "30712345671")
    page.fill("#campo-organizador-email", "prueba@example.com")
    page.fill("#campo-organizador-telefono", "381 4223344")
    page.fill("#campo-evento-nombre", "Feria de artesanos")
    page.select_option("#campo-evento-tipo", "feria")
    page.fill("#campo-evento-fecha", (city_today(platform) + timedelta(days=30)).isoformat())
    page.fill("#campo-evento-hora__inicio", "10:00")
    page.fill("#campo-evento-hora__fin", "20:00")
    page.fill("#campo-evento-asistentes", "150")
    page.wait_for_selector(f"{MAP}.leaflet-container")
    page.locator(MAP).click(position={"x": 120, "y": 90})  # a click fills latitude and longitude
    assert re.fullmatch(r"-26\.\d+", page.input_value("#campo-ubicacion-lat"))
    page.fill("#campo-ubicacion-direccion", "Plaza Independencia")
    page.set_input_files("#campo-plano", str(plan))
    # the conditional field: absent until the closure is ticked, then it appears (and goes away again);
    # the plan chosen before travels with each re-render of the form
    assert page.locator(STREETS).count() == 0
    page.check("#campo-requiere__corte")
    page.wait_for_selector(STREETS, state="visible")
    assert page.locator(STREETS).get_attribute("aria-required") == "true"
    page.uncheck("#campo-requiere__corte")
    page.wait_for_selector(STREETS, state="detached")
    page.check("#campo-requiere__corte")
    page.wait_for_selector(STREETS, state="visible")
    assert page.input_value("#campo-organizador-nombre") == "Asociación Amigos del Parque"  # the rest is kept
    page.fill(STREETS, "25 de Mayo entre San Martín y Mendoza")


def test_an_analyst_tries_the_procedure_and_sees_the_case_expire(platform: Platform, analyst: Person,
                                                                 tmp_path: Path) -> None:
    page = analyst.page
    plan = tmp_path / "plano.png"
    plan.write_bytes(PNG_BYTES)

    analyst.go("/estudio/pruebas/")
    analyst.check()
    with page.expect_navigation():
        page.click(f"a[href$='/estudio/probar/{KEY}/1']")
    analyst.check()
    _fill_start_form(page, platform, plan)
    with page.expect_navigation():
        page.click("button:has-text('Iniciar caso de prueba')")
    started = re.search(r"Inició el caso de prueba (PRUEBA-[0-9A-F]{8}-EV)", page.inner_text("main"))
    assert started, page.inner_text("main")
    number = started.group(1)
    assert "Revisar la solicitud (Mesa de Entradas)" in page.inner_text(".trial-tasks")
    analyst.check()
    [listed] = platform.api.get(f"/api/v1/instances?process={KEY}&test_cases=true").get_json()["items"]
    data = platform.api.instance(listed["id"])["data"]
    assert data["requiere_corte"] is True and data["calles_afectadas"] == "25 de Mayo entre San Martín y Mendoza"
    assert listed["is_test"] is True and data["plano"]["name"] == "plano.png"
    assert page.url.endswith(f"/estudio/probar/casos/{listed['id']}"), page.url

    # Mesa's review, done by the analyst on the case's page: a correction is asked
    assert "Revisar la solicitud — como Mesa de Entradas" in page.inner_text("#tarea-titulo")
    page.fill("#campo-observaciones", "Falta el plano firmado.")
    page.check("#campo-revision--1")
    with page.expect_navigation():
        page.click("form[action*='/tareas/'] button[type=submit].primary")
    tasks = page.inner_text(".trial-tasks")
    assert "(solicitante)" in tasks and "vence el 22/12/2026" in tasks, tasks
    analyst.check()

    # «Adelantar reloj» by 11 business days: past Tuesday 22/12, the correction's deadline
    page.fill("#cantidad", "11")
    page.select_option("#unidad", "dias_habiles")
    with page.expect_navigation():
        page.click("button:has-text('Adelantar reloj')")
    assert f"Se adelantó el reloj de {number}" in page.inner_text("main")
    shown = page.inner_text("#estado-del-caso")
    assert "23/12/2026" in shown and "finalizado: Archivado sin respuesta" in shown, shown  # the correction expired
    assert "El caso no tiene tareas pendientes." in page.inner_text("main")
    analyst.check()
    final = platform.api.instance(listed["id"])
    assert final["status"] == "completed" and final["tasks"] == []
    assert final["data"]["resultado"].startswith("archivado: el organizador no respondió")


@pytest.mark.parametrize("javascript", [True, False], ids=["con-js", "sin-js"])
def test_the_streets_field_appears_and_disappears_in_the_portal(platform: Platform, browser: Any,
                                                                javascript: bool) -> None:
    """The same conditional field on the citizen's start form: through htmx, or «Actualizar el formulario»."""
    seed_lane_groups(platform)
    platform.deploy(KEY)
    platform.seed_demo_users("ciudadana")
    context = browser.new_context(locale="es-AR", java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(f"{platform.url}/ingresar?siguiente=/iniciar/{KEY}")
        page.fill("input[name=usuario]", "ciudadana")
        page.fill("input[name=contrasena]", "demo-ciudadana")
        with page.expect_navigation():
            page.click("form button[type=submit]")
        page.wait_for_url(f"**/iniciar/{KEY}")
        page.fill("#campo-evento-nombre", "Feria de artesanos")
        assert page.locator(STREETS).count() == 0
        for ticked in (True, False, True):
            page.set_checked("#campo-requiere__corte", ticked)
            if not javascript:
                with page.expect_navigation():
                    page.click("button:has-text('Actualizar el formulario')")
            page.wait_for_selector(STREETS, state="visible" if ticked else "detached")
            assert page.input_value("#campo-evento-nombre") == "Feria de artesanos"
        assert page.locator(STREETS).get_attribute("aria-required") == "true"
    finally:
        context.close()
