"""The platform's home page in a real Chromium: it loads, speaks Spanish and passes axe-core."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.browser import LiveServer

AXE = Path(__file__).resolve().parents[1] / "portal" / "static" / "vendor" / "axe.min.js"
WCAG = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']"


@pytest.mark.browser
def test_home_page_loads_in_chromium_in_spanish_without_axe_violations(
    app: Flask, page: Any, live_server: Callable[..., LiveServer]
) -> None:
    server = live_server(app)
    response = page.goto(server.url + "/")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "es-AR"
    assert "San Miguel de Tucumán" in page.title()
    if not AXE.exists():
        pytest.fail(f"axe-core missing at {AXE}: run `make assets`")
    # From the app's own /static, as the page's CSP allows (an inline tag would be refused).
    page.add_script_tag(url=server.url + "/static/vendor/axe.min.js")
    violations = page.evaluate(f"async () => (await axe.run(document, "
                               f"{{runOnly: {{type: 'tag', values: {WCAG}}}}})).violations.map(v => v.id)")
    assert violations == []
