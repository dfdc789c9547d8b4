"""The demo phone of the embedded default in Chromium: a reclamo by keyboard, axe-core clean, usable at 390 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.connectors.test_whatsapp_sandbox import PAGE, sandboxed
from tests.fixtures.browser import LiveServer, axe_violations


@pytest.mark.browser
def test_the_demo_phone_files_a_reclamo_by_keyboard_without_axe_violations(
        make_app: Callable[..., Flask], page: Any, live_server: Callable[..., LiveServer]) -> None:
    server = live_server(sandboxed(make_app))
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.goto(server.url + PAGE).status == 200
    assert axe_violations(page, server.url) == []
    page.focus("#texto")
    page.keyboard.type("Quiero hacer un reclamo")
    page.keyboard.press("Tab")  # the photo field
    page.keyboard.press("Tab")  # «Enviar»
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Arbolado").is_visible()
    assert axe_violations(page, server.url) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Arbolado").press("Enter")
    with page.expect_navigation():
        page.get_by_role("button", name="Compartir ubicación").press("Enter")
    with page.expect_navigation():
        page.get_by_role("button", name="Sin foto").press("Enter")
    page.fill("#texto", "Se cayó un árbol sobre la vereda de la plaza")
    with page.expect_navigation():
        page.get_by_role("button", name="Enviar").press("Enter")
    with page.expect_navigation():
        page.get_by_role("button", name="Omitir").press("Enter")
    assert "Registramos su reclamo" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow: {width}px"
    assert axe_violations(page, server.url) == []
