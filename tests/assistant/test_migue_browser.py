"""Migue's widget in a real Chromium: asked by keyboard, answered in the live log, axe-core clean, 390 px wide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.assistant.helpers import deploy
from tests.fixtures.browser import LiveServer, axe_violations

KIOSCO = "¿qué necesito para habilitar un kiosco?"


@pytest.mark.browser
@pytest.mark.sqlite_only
def test_the_kiosco_question_by_keyboard_gets_the_licence_requirements_with_the_guide_link(
    app: Flask, page: Any, live_server: Callable[..., LiveServer]
) -> None:
    deploy(app, "habilitacion_comercial", "reclamo", "permiso_via_publica", "certificado_catastral")
    server = live_server(app)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.url + "/")
    page.get_by_role("link", name="¿Dudas con un trámite? Preguntale a Migue").click()
    assert axe_violations(page, server.url) == []

    field = page.get_by_label("Su pregunta")
    field.focus()
    page.keyboard.type(KIOSCO)
    page.keyboard.press("Enter")
    log = page.get_by_role("log")
    answer = log.get_by_role("article")
    answer.wait_for()
    assert "Habilitación comercial" in answer.inner_text()
    assert "Título de propiedad o contrato de locación del local (PDF)" in answer.inner_text()
    source = answer.get_by_role("link", name="Guía de trámites: Habilitación comercial")
    assert source.get_attribute("href") == "/guia/habilitacion_comercial"
    assert log.get_attribute("aria-live") == "polite"
    assert page.evaluate("document.activeElement.id") == "migue-pregunta"
    assert field.input_value() == ""  # ready for the next question
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page, server.url) == []

    page.keyboard.type("¿Cuál es la receta de las empanadas tucumanas?")
    page.keyboard.press("Enter")
    log.get_by_role("article").nth(1).wait_for()
    assert "No sé la respuesta" in log.get_by_role("article").nth(1).inner_text()
    assert axe_violations(page, server.url) == []
    source.click()
    page.wait_for_url(server.url + "/guia/habilitacion_comercial")
    assert blocked == []
