"""The decision table editor in Chromium: an analyst opens a bundle's DMN in a draft, writes a
cell the engine cannot evaluate, and «Revisar» pins that very cell; a click in the Spanish list
moves the focus to it; «Guardar» stores the table through the draft's files API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.browser import AXE
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import password_of
from tests.fixtures.require import missing_service
from tests.worklists.studio.editors import draft_file, draft_of

pytestmark = [pytest.mark.browser, SQLITE_ONLY]

# dmn-js's decision table (its own markup: cells that are contenteditable divs in a table whose
# header cells hold buttons without names) is left out of axe's run; the page around it is checked.
AXE_AROUND_THE_TABLE = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run({exclude: [['.studio-dmn-canvas']]}, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}));
}"""


def _sign_in(page: Any, base: str) -> None:
    page.goto(base + "/ingresar")
    page.fill("#campo-usuario", "analista")
    page.fill("#campo-contrasena", password_of("analista"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/estudio/")


def _axe(page: Any, base: str) -> list[Any]:
    if not AXE.is_file():
        missing_service(f"axe-core not found at {AXE} (run make assets)")
    page.add_script_tag(url=base + "/static/vendor/axe.min.js")
    return list(page.evaluate(AXE_AROUND_THE_TABLE))


def test_a_bad_cell_is_pinned_and_focused(page: Any, identity_app: Flask,
                                           live_server: Callable[[Any], Any]) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    base = live_server(identity_app).url
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    _sign_in(page, base)
    page.goto(f"{base}/estudio/borradores/{draft_id}/decisiones/riesgo.dmn")
    page.wait_for_selector("[data-dmn-editor][data-ready='true']")
    cell = page.locator("td[data-element-id='r_alto_asis']")
    assert cell.inner_text().strip() == ">= 1000"
    assert "Política de acierto" in page.inner_text(".studio-dmn-canvas")  # dmn-js speaks Spanish
    # dmn-js builds its container and bpmn.io's logo from HTML with style="" (the logo from a file
    # its licence forbids changing): the page moves those styles to the CSSOM, as the modeller's
    # does, so the CSP refuses nothing and the logo shows as dmn-js draws it.
    assert csp == [], csp

    page.get_by_role("button", name="Revisar").click()
    page.wait_for_selector("text=La tabla no tiene problemas.")
    assert page.locator(".studio-cell-problem").count() == 0

    editable = cell.locator("[contenteditable]")
    editable.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("between 1000 and 5000")
    page.get_by_role("button", name="Revisar").click()
    page.wait_for_selector("td.studio-cell-problem[data-element-id='r_alto_asis']")
    assert page.locator(".studio-cell-problem").count() == 1
    item = page.locator("[data-problems] button", has_text="Fila 4, columna «Asistentes esperados»")
    assert "«1000 <= ? <= 5000»" in item.inner_text()
    page.locator("h1").click()  # the focus leaves the table
    item.click()
    focused = page.evaluate("() => document.activeElement.closest('td')?.dataset.elementId")
    assert focused == "r_alto_asis"
    assert _axe(page, base) == []

    page.get_by_role("button", name="Guardar").click()
    page.wait_for_selector("text=Se guardó la tabla.")
    assert b"between 1000 and 5000" in draft_file(identity_app, draft_id, "riesgo.dmn")
    # the mark stays on the cell when dmn-js redraws the table after another edit
    other = page.locator("td[data-element-id='r_bajo_asis'] [contenteditable]")
    other.click()
    page.keyboard.type(" ")
    page.wait_for_timeout(300)
    assert page.locator("td.studio-cell-problem[data-element-id='r_alto_asis']").count() == 1
    # Chrome's own editing of a contenteditable cell may apply an inline style the CSP refuses;
    # nothing else is refused (scripts, the page's styles: see the check after loading).
    assert [m for m in csp if not m.startswith("Applying inline style violates")] == [], csp
    assert page.locator(".studio-dmn-canvas a.bjs-powered-by").count() >= 1


def test_the_hit_policy_and_the_column_editor_speak_spanish(page: Any, identity_app: Flask,
                                                            live_server: Callable[[Any], Any]) -> None:
    """dmn-js names the hit policy and the predefined values of a column in English unless told."""
    draft_id = draft_of(identity_app, "evento_publico")
    base = live_server(identity_app).url
    _sign_in(page, base)
    page.goto(f"{base}/estudio/borradores/{draft_id}/decisiones/riesgo.dmn")
    page.wait_for_selector("[data-dmn-editor][data-ready='true']")
    policy = page.locator(".hit-policy").first
    assert "Única (UNIQUE)" in policy.inner_text()
    assert policy.get_attribute("title") == "La primera regla que se cumple da la salida."
    page.locator("th.output-cell").first.dblclick()
    menu = page.locator(".context-menu")
    menu.wait_for()
    shown = menu.inner_text()
    assert "Valores predefinidos" in shown
    for english in ("No values", "predefined values", "Clear", "Add "):
        assert english not in shown, shown
