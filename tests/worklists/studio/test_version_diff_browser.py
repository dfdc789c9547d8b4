"""The version diff in Chromium: the coloured diagram, its legend, and a migration from the page.

axe-core checks the page (diagram included) and the CSP refuses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures.browser import Visit
from tests.fixtures.database import SQLITE_ONLY
from tests.worklists.studio.test_version_diff import KEY, PAGE, TwoVersions, two_versions

pytestmark = [pytest.mark.browser, SQLITE_ONLY]
__all__ = ["two_versions"]  # the fixture, shared with the page's tests

ADDED, CHANGED, REMOVED = "rgb(27, 122, 47)", "rgb(161, 74, 0)", "rgb(176, 0, 32)"


def _stroke(page: Any, element_id: str, holder: str = "#diagrama-diff") -> str:
    return str(page.eval_on_selector(f"{holder} .djs-element[data-element-id='{element_id}'] .djs-visual > *",
                                     "e => getComputedStyle(e).stroke"))


def test_the_diagram_is_coloured_and_a_case_migrates(page: Any, two_versions: TwoVersions,
                                                      live_server: Callable[..., Any]) -> None:
    base = live_server(two_versions.app).url
    visit = Visit(page, base)
    # The analyst lands in the studio and follows the procedure's «changes since v1».
    page.goto(f"{base}/ingresar")
    page.fill("#campo-usuario", "analista")
    page.fill("#campo-contrasena", "analista-clave-segura")
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/estudio/")
    page.get_by_role("link", name="Cambios desde v1").click()
    page.wait_for_url(f"**{PAGE}?de=1&a=2")
    page.wait_for_selector("#diagrama-diff[data-ready='true']")
    # Added and changed elements carry their marker, a colour and a badge with words.
    assert page.locator(".djs-element.diff-added[data-element-id='notificar']").count() == 1
    assert page.locator(".djs-connection.diff-added[data-element-id='f_notificado']").count() == 1
    assert page.locator(".djs-element.diff-changed[data-element-id='aprobar']").count() == 1
    assert page.locator(".djs-element.diff-changed, .djs-element.diff-added").count() == 5
    assert page.locator(".djs-element[data-element-id='registrar']").get_attribute("class").find("diff-") < 0
    assert _stroke(page, "notificar") == ADDED and _stroke(page, "aprobar") == CHANGED
    assert _stroke(page, "registrar") != ADDED and _stroke(page, "registrar") != CHANGED
    badges = page.locator("#diagrama-diff .djs-overlay .diff-badge").all_inner_texts()
    assert sorted(badges) == ["+ nuevo", "~ cambiado"]
    legend = page.locator(".diff-legend").first.inner_text()
    assert "Agregado" in legend and "Cambiado" in legend and "Elementos quitados" in legend
    visit.check()
    # «Ver» brings a listed element into view on its diagram.
    page.get_by_role("button", name="Ver «Aprobar o rechazar la solicitud» en el diagrama").click()
    page.wait_for_selector("#diagrama-diff[data-focus='aprobar']")
    assert page.locator("#diagrama-diff .diff-focus[data-element-id='aprobar']").count() == 1
    # The older version, drawn when opened (here by «Ver» on a removed task), marks what version 2 dropped.
    assert page.locator("#diagrama-anterior[data-ready]").count() == 0
    page.get_by_role("button", name="Ver «Revisar la solicitud» en el diagrama").click()
    page.wait_for_selector("#diagrama-anterior[data-focus='revisar']")
    assert page.locator("#diagrama-diff .diff-focus").count() == 0  # one element outlined at a time
    assert page.locator("#diagrama-anterior .diff-removed").count() == 2  # «revisar» and its flow
    assert _stroke(page, "revisar", "#diagrama-anterior") == REMOVED
    assert page.locator("#diagrama-anterior .diff-badge").all_inner_texts() == ["− quitado"]
    visit.check()

    page.get_by_label(f"Migrar el expediente {two_versions.moved['number']}").check()
    page.click("main button:has-text('Migrar los marcados a la versión 2')")
    page.wait_for_selector(f"text=Expediente {two_versions.moved['number']}: migrado a la versión 2.")
    page.wait_for_selector("#diagrama-diff[data-ready='true']")
    assert two_versions.instance(two_versions.moved["id"]).version == 2
    assert KEY in page.url
    visit.check()


def test_the_page_fits_a_phone(browser: Any, two_versions: TwoVersions, live_server: Callable[..., Any]) -> None:
    base = live_server(two_versions.app).url
    context = browser.new_context(locale="es-AR", viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        visit = Visit(page, base)
        page.goto(f"{base}/ingresar")
        page.fill("#campo-usuario", "analista")
        page.fill("#campo-contrasena", "analista-clave-segura")
        page.click("main button:has-text('Ingresar')")
        page.wait_for_url("**/estudio/")
        page.goto(f"{base}{PAGE}")
        page.wait_for_selector("#diagrama-diff[data-ready='true']")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        visit.check()
    finally:
        context.close()
