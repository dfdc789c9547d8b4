"""The forms in Chromium: zero axe-core WCAG 2.1 A/AA violations, htmx rows, and no-JS posts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.browser import LiveServer, axe_violations
from tests.forms.corpus import load, sample_names
from tests.forms.preview_app import make_app

pytestmark = pytest.mark.browser

URL = "/estudio/formularios/"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """One server for the module: the preview is stateless, tests cannot disturb each other."""
    server = LiveServer(make_app()).start()
    try:
        yield server.url
    finally:
        server.stop()


def _show(page: Any, base_url: str, schema: Any, ui: Any = None, data: Any = None) -> None:
    page.goto(base_url + URL)
    page.fill("#editor-esquema", json.dumps(schema, ensure_ascii=False))
    page.fill("#editor-ui", json.dumps(ui, ensure_ascii=False) if ui else "")
    page.fill("#editor-datos", json.dumps(data, ensure_ascii=False) if data is not None else "")
    with page.expect_navigation():
        page.click("text=Mostrar el formulario")


@pytest.mark.parametrize("name", sample_names())
def test_corpus_form_has_no_axe_violations(page: Any, base_url: str, name: str) -> None:
    sample = load(name)
    _show(page, base_url, sample["schema"], sample["uiSchema"], sample["formData"])
    assert page.locator("#vista").count() == 1, page.locator("#problemas").all_inner_texts()
    assert axe_violations(page, base_url) == []


def test_errors_state_has_no_axe_violations(page: Any, base_url: str) -> None:
    sample = load("errors")
    _show(page, base_url, sample["schema"], sample["uiSchema"], sample["formData"])
    page.click("#vista-enviar")
    page.wait_for_selector(".errores-resumen")
    assert axe_violations(page, base_url) == []


def test_htmx_adds_an_array_row_without_reloading(page: Any, base_url: str) -> None:
    sample = load("nested")
    _show(page, base_url, sample["schema"], sample["uiSchema"], sample["formData"])
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.sinRecargar = true; }")
    page.click("#campo-tasks--agregar")
    page.wait_for_selector('[name="$/tasks/2/title"]')
    assert page.evaluate("() => window.sinRecargar") is True
    assert page.locator("#campo-tasks .fila").count() == 3
    page.fill('[name="$/tasks/2/title"]', "Tercera tarea")
    with page.expect_navigation():
        page.click("#vista-enviar")
    submitted = json.loads(page.inner_text("#enviado pre"))
    assert submitted["tasks"][2] == {"title": "Tercera tarea", "done": False}


def test_htmx_answer_brings_dependent_fields(page: Any, base_url: str) -> None:
    sample = load("ifThenElse")
    _show(page, base_url, sample["schema"], sample["uiSchema"], {"animal": "Cat"})
    page.wait_for_function("() => window.htmx !== undefined")
    assert page.locator('[name="$/water"]').count() == 0
    page.select_option('[name="$/animal"]', "Fish")
    page.wait_for_selector('[name="$/water"]')


def test_form_works_without_javascript(browser: Any, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, locale="es-AR")
    try:
        page = context.new_page()
        sample = load("nested")
        _show(page, base_url, sample["schema"], sample["uiSchema"], sample["formData"])
        with page.expect_navigation():
            page.click("#campo-tasks--agregar")
        page.fill('[name="$/tasks/2/title"]', "Sin JavaScript")
        with page.expect_navigation():
            page.click("#campo-tasks-0--fila-quitar")
        assert page.locator("#campo-tasks .fila").count() == 2
        with page.expect_navigation():
            page.click("#vista-enviar")
        submitted = json.loads(page.inner_text("#enviado pre"))
        assert [t["title"] for t in submitted["tasks"]] == ["My second task", "Sin JavaScript"]
        assert "Los datos son válidos." in page.inner_text("#validacion")
    finally:
        context.close()
