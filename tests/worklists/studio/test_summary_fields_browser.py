"""«Datos del trámite» on a phone: the analyst opens a form's fields and ticks the «Fundamento» staff
write as the answer to the citizen; the part fits 390 px, axe-core finds no violation, no CSP
violation is reported, and the choice is saved into the manifest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from engine import safe_yaml
from tests.fixtures.browser import Visit
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import password_of
from tests.worklists.studio.editors import draft_file, draft_of

pytestmark = [pytest.mark.browser, SQLITE_ONLY]


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_the_answer_for_the_citizen_is_ticked_on_a_phone(identity_app: Flask, live_server: Callable[[Any], Any],
                                                         browser: Any) -> None:
    draft_id = draft_of(identity_app, "permiso_via_publica")
    server = live_server(identity_app)
    context = browser.new_context(locale="es-AR", viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        visit = Visit(page, server.url)
        visit.sign_in("analista", password_of("analista"))
        page.goto(f"{server.url}/estudio/borradores/{draft_id}/tramite")
        answer = page.get_by_role("group", name="Respuesta al vecino")
        assert answer.get_attribute("id") == "resumen_seguimiento"
        answer.locator("details", has_text="revision_area.schema.json").locator("summary").click()
        fundamento = answer.get_by_role("checkbox", name="Fundamento fundamento")
        assert fundamento.is_visible() and not fundamento.is_checked()
        # the manifest's own choice for the citizen: the start form's part opens by itself, ticks shown
        chosen = page.locator("#resumen_ciudadano details", has_text="solicitud.schema.json")
        assert chosen.get_attribute("open") is not None and "12 marcados" in chosen.inner_text()
        visit.check()
        assert _fits(page)
        fundamento.check()
        with page.expect_navigation():
            page.get_by_role("button", name="Guardar los datos").click()
        assert "Se guardaron los datos del trámite." in page.inner_text("main")
        assert page.locator("#resumen_seguimiento input[value=fundamento]").is_checked()
        visit.check()
        assert _fits(page)
    finally:
        context.close()
    manifest = safe_yaml.load(draft_file(identity_app, draft_id, "manifest.yaml"), max_bytes=100_000)
    assert manifest["resumen"]["seguimiento"] == ["fundamento"]
    assert manifest["resumen"]["personal"][-1] == {"campo": "tasa", "etiqueta": "Tasa", "formato": "moneda"}
