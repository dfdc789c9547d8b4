"""Import and export in Chromium: an analyst imports a SpiffArena model from the studio's menu, reads each
warning on the new draft's page, and finds the draft's export link; axe-core and the CSP find nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.studio import archive
from tests.fixtures.browser import Visit
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import password_of
from tests.worklists.helpers import Staffed

pytestmark = [pytest.mark.browser, SQLITE_ONLY]
MODEL = Path(__file__).resolve().parents[2] / "data" / "spiffarena_poda"


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize("width", [1280, 390])
def test_an_analyst_imports_a_spiffarena_model_and_exports_the_draft(
        staff: Staffed, live_server: Callable[[Any], Any], browser: Any, tmp_path: Path, width: int) -> None:
    zipped = tmp_path / "poda-arbolado.zip"
    zipped.write_bytes(archive.zip_files({p.name: p.read_bytes() for p in MODEL.iterdir()}, "poda-arbolado"))
    broken = tmp_path / "roto.zip"
    broken.write_bytes(b"PK no es un zip")
    server = live_server(staff.app)
    context = browser.new_context(locale="es-AR", accept_downloads=True, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        visit = Visit(page, server.url)
        visit.sign_in("analista", password_of("analista"))
        with page.expect_navigation():
            page.get_by_role("link", name="Importar", exact=True).click()
        assert page.get_by_role("heading", name="Importar y exportar").is_visible()
        assert page.title().startswith("Importar y exportar · Estudio")
        visit.check()
        assert _fits(page)

        page.set_input_files("#importar-archivos", str(broken))
        with page.expect_navigation():
            page.get_by_role("button", name="Importar como borrador").click()
        assert "dañado" in page.get_by_role("alert").inner_text()
        visit.check()

        page.set_input_files("#importar-archivos", str(zipped))
        with page.expect_navigation():
            page.get_by_role("button", name="Importar como borrador").click()
        assert "/estudio/borradores/" in page.url
        main = page.inner_text("main")
        assert "Se creó el borrador a partir de lo importado." in main
        for word in ("get_current_user", "http/GetRequestV2", "notificar_vecinos", "registro_podas",
                     "arbolado@example.org", "test_poda_arbolado.json"):
            assert word in main, word
        visit.check()

        page.goto(server.url + "/estudio/importar")
        with page.expect_download() as download:
            page.get_by_role("link", name="Descargar «Poda de arbolado» (.zip)").click()
        assert download.value.suggested_filename.startswith("poda_arbolado-borrador-")
        visit.check()
        assert _fits(page)  # with the drafts' list
    finally:
        context.close()
