"""The public figures in Chromium, signed out, 390 px wide: axe-core clean, no CSP violation, no
sideways scroll, and the numbers on the pages are those computed directly from the seeded cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.figures import seed
from tests.figures.test_open_data import K, published
from tests.fixtures.browser import axe_violations

pytestmark = pytest.mark.browser

PAGES = ("/datos/", f"/datos/{seed.PERMISO}", "/datos/reclamos?mes=2026-02", "/datos/abiertos")


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")


def test_the_public_pages_signed_out_at_390_px_show_the_seeded_figures(
        app: Flask, live_server: Callable[[Any], Any], page: Any) -> None:
    _client, seeded = published(app)
    base = live_server(app).url
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in PAGES:
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        assert axe_violations(page, base) == [], path
        assert csp == [], csp
    page.goto(base + f"/datos/{seed.PERMISO}")
    rows = page.locator("table.data tbody tr")
    shown = {rows.nth(i).locator("th").inner_text(): [c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
             for i in range(rows.count())}
    names = {1: "ene 2026", 2: "feb 2026", 3: "mar 2026"}
    for (key, month), want in seed.expected_procedure_months(seeded).items():
        if key != seed.PERMISO:
            continue
        cells = shown[names[month.month]]
        enough = want["finished"] >= K
        assert cells[:4] == [str(want["started"]), str(want["finished"]), number(want["median"] if enough else None),
                             number(want["p90"] if enough else None)], month
    page.goto(base + "/datos/reclamos?mes=2026-02")
    page.wait_for_function("document.querySelectorAll('#mapa-reclamos path.leaflet-interactive').length === 1")
    assert page.locator("table.data tbody tr").count() == 1
