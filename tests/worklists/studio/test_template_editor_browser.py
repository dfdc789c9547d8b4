"""The template editor in Chromium: an analyst edits a draft's certificate template, «Vista previa»
saves it and shows the PDF in the page; a syntax error is listed with its file and line, and a
click on it selects that line in the file's text area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.browser import Visit
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import password_of
from tests.worklists.studio.editors import draft_file, draft_of

pytestmark = [pytest.mark.browser, SQLITE_ONLY]


def test_edit_preview_and_a_broken_line(page: Any, identity_app: Flask, live_server: Callable[[Any], Any]) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    base = live_server(identity_app).url
    visit = Visit(page, base)
    page.goto(base + "/ingresar")
    page.fill("#campo-usuario", "analista")
    page.fill("#campo-contrasena", password_of("analista"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/estudio/")
    page.goto(f"{base}/estudio/borradores/{draft_id}/plantillas/permiso")
    page.wait_for_selector("[data-template-editor][data-ready='true']")
    visit.check()

    area = page.get_by_label("permiso/template.html")
    text = area.input_value()
    area.fill(text.replace("Dirección de Espacios Públicos", "Dirección de Espacios Públicos y Ferias"))
    page.get_by_role("button", name="Vista previa").click()
    page.wait_for_selector("text=Vista previa actualizada.")
    frame = page.locator("iframe[data-preview]")
    assert frame.is_visible() and "/plantillas/permiso/vista-previa.pdf?v=" in frame.get_attribute("src")
    assert "y Ferias" in draft_file(identity_app, draft_id, "permiso/template.html").decode()
    download = page.get_by_role("link", name="Descargar el PDF de la vista previa")
    answer = page.request.get(base + download.get_attribute("href"))
    assert answer.status == 200 and answer.body().startswith(b"%PDF")
    visit.check()

    lines = area.input_value().split("\n")
    lines[6] = lines[6] + " {{ datos.titular }"
    area.fill("\n".join(lines))
    page.get_by_role("button", name="Vista previa").click()
    page.wait_for_selector("text=La plantilla tiene problemas")
    problem = page.locator("[data-problems] button", has_text="permiso/template.html, línea 7")
    assert "Error de sintaxis en la línea 7" in problem.inner_text()
    problem.click()
    selected = page.evaluate("() => { const a = document.activeElement;"
                             " return [a.dataset.file, a.value.slice(0, a.selectionStart).split('\\n').length]; }")
    assert selected == ["permiso/template.html", 7]

    page.fill("#archivo-nuevo", "pie.html")
    page.get_by_role("button", name="Agregar archivo").click()
    page.get_by_label("permiso/pie.html").fill("<p>Pie del permiso</p>")
    page.get_by_role("button", name="Guardar", exact=True).click()
    page.wait_for_selector("text=Se guardaron los archivos.")
    assert draft_file(identity_app, draft_id, "permiso/pie.html") == b"<p>Pie del permiso</p>"
    visit.check()
