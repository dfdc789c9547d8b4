"""The public pages in a real Chromium: they load, speak Spanish and pass axe-core under the real CSP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.browser import LiveServer, axe_violations
from tests.fixtures.engine import ApiClient, make_token

PAGES = ["/", "/guia/", "/guia/tramite_simple", "/verificar/"]


@pytest.mark.browser
def test_public_pages_load_in_chromium_in_spanish_without_axe_violations(
    app: Flask, page: Any, live_server: Callable[..., LiveServer]
) -> None:
    assert ApiClient(app, make_token(app, "pruebas", "admin")).deploy("simple").status_code == 201
    server = live_server(app)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    for path in PAGES:
        response = page.goto(server.url + path)
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == "es-AR"
        assert "San Miguel de Tucumán" in page.title()
        assert axe_violations(page, server.url) == [], path
    assert blocked == []
