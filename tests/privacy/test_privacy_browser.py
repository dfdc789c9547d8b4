"""Personal data in Chromium: a citizen downloads «Mis datos» and asks for a rectification that a
member of Atención al Vecino carries out from the task page; the auditor then lists the sensitive
read that staff's view of a case left, and downloads it as CSV. axe-core finds nothing on the new pages."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.identity.accounts import User, ensure_user
from engine.models import Instance, Task
from engine.uow import unit_of_work
from tests.fixtures.browser import Visit
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.portal.helpers import start_case
from tests.privacy.test_privacy_web import _classified_bundle

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
PROCESSES = Path(__file__).resolve().parents[2] / "processes"


@pytest.fixture
def served(identity_app: Flask, live_server: Callable[[Any], Any]) -> tuple[Flask, str]:
    api = ApiClient(identity_app, make_token(identity_app, "datos-navegador", "admin"))
    assert api.deploy(PROCESSES / "rectificacion_datos").status_code == 201
    with identity_app.app_context(), unit_of_work():
        ensure_user("atencion", display_name="Verónica Gómez", password=password_of("atencion"),
                    email="atencion@example.com", roles=("staff",), groups=("atencion_vecino",))
    return identity_app, live_server(identity_app).url


@pytest.fixture
def person(browser: Any) -> Iterator[Callable[[str, str], Visit]]:
    contexts: list[Any] = []

    def open_as(base: str, username: str) -> Visit:
        contexts.append(browser.new_context(locale="es-AR", accept_downloads=True))
        page = contexts[-1].new_page()
        page.goto(base + "/ingresar")
        page.fill("#campo-usuario", username)
        page.fill("#campo-contrasena", password_of(username))
        page.click("main button:has-text('Ingresar')")
        page.wait_for_load_state()
        return Visit(page, base)

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def classified(served: tuple[Flask, str], tmp_path: Path) -> str:
    """A case of the portal's test procedure whose reason is classified sensitive; its number."""
    app = served[0]
    api = ApiClient(app, make_token(app, "datos-sensibles", "admin"))
    assert api.deploy(_classified_bundle(tmp_path)).status_code == 201
    web = Web(app.test_client())
    web.sign_in("ciudadana", password_of("ciudadana"))
    return start_case(web, motivo="Tratamiento oncológico")


def _open_task(app: Flask, number: str) -> str:
    with app.app_context():
        instance_id = db.session.scalar(select(Instance.id).where(Instance.number == number))
        return str(db.session.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.status == "ready")))


def test_a_person_downloads_their_data_and_staff_carry_out_their_rectification(
        served: tuple[Flask, str], person: Callable[[str, str], Visit], tmp_path: Path) -> None:
    app, base = served
    citizen = person(base, "ciudadana")
    page = citizen.page
    page.get_by_role("link", name="Mis datos").click()
    page.wait_for_selector("h1:has-text('Mis datos')")
    citizen.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar mis datos (JSON)").click()
    saved = tmp_path / "mis-datos.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["formato"] == "tramites-smt/mis-datos/1" and data["cuenta"]["usuario"] == "ciudadana"
    assert data["sesiones"] and data["tramites"] == []

    page.get_by_role("link", name="Pedir la rectificación de mis datos").click()
    page.fill("#campo-descripcion", "Mi apellido no figura en la cuenta.")
    page.fill("#campo-nombre__correcto", "Ciudadana Robles")
    page.click("main button:has-text('Enviar')")
    page.wait_for_url("**/mis-tramites/**")
    number = page.url.split("/mis-tramites/")[1].split("?")[0]
    assert number.endswith("-RDP")
    citizen.check()

    staff = person(base, "atencion")
    staff.page.goto(f"{base}/bandeja/tareas/{_open_task(app, number)}")
    staff.page.wait_for_selector("#form-title")
    assert "Ciudadana Robles" in staff.page.locator("main").inner_text()
    staff.page.check("#campo-decision--0")
    staff.page.fill("#campo-respuesta", "Corregimos su nombre según su DNI.")
    staff.page.click("main button:has-text('Completar')")
    staff.page.wait_for_selector("text=Completó «Revisar el pedido de rectificación»")

    page.goto(f"{base}/mis-tramites/{number}")
    assert "Corregimos su nombre según su DNI." in page.locator("main").inner_text()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "ciudadana"))
        assert user is not None and user.display_name == "Ciudadana Robles"
    page.goto(base + "/mis-tramites/")
    assert number in page.locator("main").inner_text()


def test_the_auditor_lists_who_read_a_sensitive_field(served: tuple[Flask, str], classified: str,
                                                      person: Callable[[str, str], Visit]) -> None:
    _, base = served
    mesa = person(base, "mesa")
    mesa.page.goto(f"{base}/bandeja/expedientes/{classified}")
    assert "Tratamiento oncológico" in mesa.page.locator("main").inner_text()

    auditor = person(base, "auditor")
    auditor.page.goto(f"{base}/auditoria/lecturas/")
    auditor.page.fill("input[name='expediente']", classified)
    auditor.page.click("main button:has-text('Filtrar')")
    # The click returns once the filtered page starts to arrive; count its rows once it has loaded.
    auditor.page.wait_for_url(lambda url: "expediente=" in url, wait_until="load")
    row = auditor.page.locator("main tbody tr")
    assert row.count() == 1
    assert [cell.strip() for cell in row.first.locator("td").all_inner_texts()][1:] == [
        "mesa", classified, "motivo", "Vista del expediente"]
    assert "Tratamiento oncológico" not in auditor.page.locator("main").inner_text()
    auditor.check()
    with auditor.page.expect_download() as download:
        auditor.page.get_by_role("link", name="Descargar como planilla (CSV)").click()
    assert f";mesa;{classified};motivo;" in Path(download.value.path()).read_text(encoding="utf-8-sig")
