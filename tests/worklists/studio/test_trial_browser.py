"""«Probar» in Chromium: a draft of «evento público» tried from the studio, every lane played from the
case page (Mesa's review, the organizer's correction, Mesa again, the Dirección's resolution), the case's
clock moved past the payment's deadline to its end, and the path drawn on the diagram at each step.
axe-core on every page, no CSP violation; waits are on elements, never on network idleness."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.db import db
from engine.studio import drafts
from engine.uow import unit_of_work
from engine.workflow.bundles import bundle_from_path
from tests.deadlines.common import set_holidays
from tests.fixtures.browser import rerendered
from tests.fixtures.database import SQLITE_ONLY
from tests.procedures.conftest import (  # noqa: F401  (fixtures of the served platform)
    PNG_BYTES,
    PROCESSES,
    Person,
    Platform,
    SignIn,
    make_platform,
    platform,
    procedures_signing_p12,
    sign_in,
)
from tests.procedures.test_evento_publico import KEY, seed_lane_groups
from tests.procedures.test_evento_publico_test_case_browser import _fill_start_form

pytestmark = [pytest.mark.browser, SQLITE_ONLY]
DONE = ".djs-element.path-done"
CURRENT = ".djs-element.path-current"


@pytest.fixture
def analyst(platform: Platform, sign_in: SignIn) -> Person:  # noqa: F811
    """Friday 4/12/2026, 13:00 in the city (7 and 8 December are holidays); nothing of «evento» deployed."""
    seed_lane_groups(platform)
    set_holidays(platform.app, date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 25))
    platform.clock.now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    platform.seed_demo_users("analista")
    return sign_in("analista")


def _draft(platform: Platform) -> int:  # noqa: F811
    with platform.app.app_context(), unit_of_work():
        draft = drafts.create_from_files("Evento (borrador)", dict(bundle_from_path(PROCESSES / KEY).files),
                                         "analista", platform.clock.now)
        db.session.flush()
        return draft.id


def _path(page: Any) -> tuple[set[str], set[str]]:
    """The ids the diagram marks as done and as current, once bpmn-js has drawn it."""
    page.wait_for_selector("#recorrido[data-ready=true]")
    done = {e.get_attribute("data-element-id") for e in page.query_selector_all(DONE)}
    current = {e.get_attribute("data-element-id") for e in page.query_selector_all(CURRENT)}
    return done, current


def _play(analyst: Person, task: str, fill: Any) -> None:
    """Open one of the case's ready tasks on its page, fill its form and complete it."""
    page = analyst.page
    with page.expect_navigation():
        page.click(f"ul.trial-tasks a:has-text('{task}')")
    assert page.inner_text("#tarea-titulo").startswith(task)
    analyst.check()
    fill(page)
    with page.expect_navigation():
        page.click("form[action*='/tareas/'] button[type=submit].primary")
    assert f"Completó «{task}»" in page.inner_text("main"), page.inner_text("main")


def test_an_analyst_tries_a_draft_of_evento_and_sees_its_path(platform: Platform, analyst: Person,  # noqa: F811
                                                                tmp_path: Path) -> None:
    page = analyst.page
    plan = tmp_path / "plano.png"
    plan.write_bytes(PNG_BYTES)
    draft_id = _draft(platform)

    analyst.go("/estudio/")  # the studio's home lists the draft with a link to try it
    with page.expect_navigation():
        page.click("a:has-text('Probar «Evento (borrador)»')")
    assert page.url.endswith(f"/estudio/borradores/{draft_id}/probar"), page.url
    analyst.check()
    with page.expect_navigation():
        page.click("button:has-text('Probar el borrador')")
    assert page.url.endswith(f"/estudio/probar/{KEY}__prueba_{draft_id}/1"), page.url
    analyst.check()
    _fill_start_form(page, platform, plan)
    page.uncheck("#campo-requiere__corte")  # no street closure: no dictamen, straight to the resolution
    page.wait_for_selector("#campo-calles__afectadas", state="detached")
    with page.expect_navigation():
        page.click("button:has-text('Iniciar caso de prueba')")
    assert re.search(r"Inició el caso de prueba PRUEBA-[0-9A-F]{8}-EV", page.inner_text("main"))
    done, current = _path(page)
    assert "inicio" in done and current == {"revisar_solicitud"}
    analyst.check()

    # Mesa de Entradas (staff) asks for a correction; the organizer (the applicant) answers it
    def review(p: Any) -> None:
        p.check("#campo-revision--1")
        p.fill("#campo-observaciones", "Falta el plano firmado.")

    _play(analyst, "Revisar la solicitud", review)
    done, current = _path(page)
    assert "revisar_solicitud" in done and current == {"corregir_solicitud", "vence_correccion"}  # and its deadline
    assert "(solicitante)" in page.inner_text("ul.trial-tasks")

    def correct(p: Any) -> None:
        # an answer that shows fields re-renders the form on this page too (htmx posts to the page's address)
        rerendered(p, lambda: p.check("#campo-nuevo__corte--1"))
        assert p.is_visible("#campo-nuevas__calles__afectadas")
        rerendered(p, lambda: p.check("#campo-nuevo__corte--0"))
        assert p.locator("#campo-nuevas__calles__afectadas").count() == 0
        p.fill("#campo-respuesta", "Adjunto el plano firmado.")

    _play(analyst, "Corregir la solicitud", correct)
    done, current = _path(page)
    assert "corregir_solicitud" in done and current == {"revisar_solicitud"}  # back to Mesa

    _play(analyst, "Revisar la solicitud", lambda p: p.check("#campo-revision--0"))  # complete now
    done, current = _path(page)
    assert "evaluar_riesgo" in done and current == {"resolver"}

    # the Dirección grants it: the fee is liquidated in the test GAF and the case waits for the payment
    def resolve(p: Any) -> None:
        p.check("#campo-resolucion--0")
        p.fill("#campo-fundamentos", "Cumple con todo lo pedido.")

    _play(analyst, "Resolver la solicitud", resolve)
    assert "El caso no tiene tareas pendientes" in page.inner_text("main")
    done, current = _path(page)
    assert {"resolver", "liquidar_tasa"} <= done and "fin_impago" not in done
    assert current == {"esperar_pago"}, current  # where it waits: GAF's notice or the slip's due date
    assert page.inner_text("#estado").startswith("en ")  # still running: waiting for GAF

    # the case's clock, moved past the slip's due date: the timer fires and the case ends
    page.fill("#cantidad", "5")
    page.select_option("#unidad", "semanas")
    with page.expect_navigation():
        page.click("button:has-text('Adelantar reloj')")
    assert "Se adelantó el reloj" in page.inner_text("main")
    assert page.inner_text("#estado") == "finalizado: Archivado sin pago", page.inner_text("#estado")
    done, current = _path(page)
    assert {"pago_vencido", "fin_impago"} <= done and current == set()
    flows = {e.get_attribute("data-element-id") for e in page.query_selector_all(".djs-connection.path-done")}
    assert "f_revisar" in flows or "f_corregida" in flows, flows
    analyst.check()

    # deleting it leaves the version with no test case
    with page.expect_navigation():
        page.click("button:has-text('Borrar el caso de prueba')")
    assert "Esta versión no tiene casos de prueba" in page.inner_text("main")
    analyst.check()
