"""Issue #21's «Done when», in Chromium: the citizen accepts the electronic address in the portal and
applies for two business licences; the Dirección de Comercio refuses both from its worklist and
each refusal is notified through the electronic address. The citizen opens the first three
business days later (the test clock) and the appeal window runs from that opening; the second is
never opened and the background work deems it received at the end of the legal term. Both proofs
of notification verify on the public verification page. axe-core on every page of ours."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.notices.models import Notice
from tests.fixtures.browser import rerendered
from tests.procedures.conftest import PDF_BYTES, PNG_BYTES, Case, Person, Platform, SignIn

pytestmark = pytest.mark.browser
KEY = "habilitacion_comercial"
CITY = ZoneInfo("America/Argentina/Tucuman")
AUTHENTIC = "El documento es auténtico: la Municipalidad lo emitió tal como está."


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> dict[str, Person]:
    platform.deploy(KEY)
    platform.seed_demo_users("ciudadana", "mesa", "direccion")
    return {name: sign_in(name) for name in ("ciudadana", "mesa", "direccion")}


def _accept_electronic_address(citizen: Person) -> None:
    citizen.go("/mis-notificaciones/domicilio")
    citizen.check()
    assert "Constituyo domicilio electrónico" in citizen.page.content()
    with citizen.page.expect_navigation():
        citizen.page.click("form button[type=submit]:has-text('Acepto')")
    assert citizen.page.url.endswith("/mis-notificaciones/")
    citizen.check()
    assert "Domicilio electrónico constituido" in citizen.page.content()


def _apply(platform: Platform, citizen: Person, tmp_path: Path, shop: str) -> Case:
    """The citizen fills the start form in the portal; the case is theirs, started by their session."""
    citizen.go(f"/iniciar/{KEY}")
    page = citizen.page
    paths = {"dni": tmp_path / "dni.pdf", "titulo": tmp_path / "contrato.pdf", "plano": tmp_path / "plano.png"}
    for name, path in paths.items():
        path.write_bytes(PNG_BYTES if name == "plano" else PDF_BYTES)
    page.check("#campo-tipo__persona--0")
    page.fill("#campo-titular", "María Fernández")
    page.fill("#campo-cuit", "27301112224")
    page.fill("#campo-email", "ciudadana@example.com")
    page.fill("#campo-nombre__comercio", shop)
    page.fill("#campo-domicilio", "San Martín 450")
    page.select_option("#campo-rubro", "almacen")
    page.fill("#campo-superficie", "45")
    page.set_input_files("#campo-dni__archivo", str(paths["dni"]))
    page.set_input_files("#campo-titulo__archivo", str(paths["titulo"]))
    page.set_input_files("#campo-plano__archivo", str(paths["plano"]))
    citizen.send_form()
    match = re.search(r"/mis-tramites/(EX-\d{4}-\d{6}-SMT-HAB)", page.url)
    assert match, page.url
    number = match.group(1)
    [listed] = [i for i in platform.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"]
                if i["number"] == number]
    return Case(platform, listed["id"], number)


def _refuse(people: dict[str, Person], case: Case) -> None:
    """Mesa de Entradas accepts the papers, the citizen pays, the Dirección de Comercio refuses."""
    people["mesa"].complete_task(case.task("revisar_documentacion")["id"],
                                 lambda p: p.check("#campo-documentacion__completa"))
    people["ciudadana"].pay_at_gaf(case.data["boleta"]["url_boleta"])

    def refuse(p: Any) -> None:
        rerendered(p, lambda: p.check("#campo-decision--1"))
        p.fill("#campo-fundamentos", "El local no cumple las condiciones de seguridad.")

    people["direccion"].complete_task(case.task("resolver")["id"], refuse)
    assert case.status == "waiting" and case.data["notificacion_rechazo"]["domicilio_electronico"] is True


def _notice(platform: Platform, case: Case) -> Notice:
    with platform.app.app_context():
        found = db.session.query(Notice).filter_by(instance_id=case.id).one()
        db.session.expunge(found)
        return found


def _business_days_after(platform: Platform, moment: datetime, days: int) -> str:
    with platform.app.app_context():
        calendar = city_calendar("America/Argentina/Tucuman")
        return calendar.add_business_days(calendar.local_date(moment), days).isoformat()


def _verify_in_browser(citizen: Person, case: Case, code: str) -> None:
    """From «Mis notificaciones», the proof's code leads to the public verification page, which vouches for it."""
    citizen.go("/mis-notificaciones/")
    citizen.check()
    with citizen.page.expect_navigation():
        citizen.page.click(f"a:has-text('{code}')")
    assert citizen.page.url.endswith(f"/verificar/{code}")
    citizen.check()
    content = citizen.page.content()
    assert AUTHENTIC in content and "Constancia de notificación" in content and case.number in content


def _staff_sees(official: Person, case: Case, state: str, code: str) -> None:
    """The staff case view shows the notice's state and links its signed proof in the case file."""
    official.go(f"/bandeja/expedientes/{case.number}")
    official.check()
    row = official.page.locator("tr.notificacion")
    assert state in row.inner_text()
    with official.page.expect_download() as download:
        row.locator(f"a:has-text('Constancia {code}')").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_a_refusal_notified_through_the_electronic_address_opened_or_deemed_received(
        platform: Platform, people: dict[str, Person], tmp_path: Path) -> None:
    citizen = people["ciudadana"]
    _accept_electronic_address(citizen)

    opened_case = _apply(platform, citizen, tmp_path, "Almacén Don Pepe")
    _refuse(people, opened_case)
    notice = _notice(platform, opened_case)
    citizen.go("/mis-notificaciones/")
    citizen.check()
    assert "sin abrir" in citizen.page.content()

    # Three business days later (holidays included) the citizen opens the refusal.
    third = _business_days_after(platform, platform.clock.now, 3)
    platform.clock.now = datetime.fromisoformat(f"{third}T10:00:00").replace(tzinfo=CITY).astimezone(ZoneInfo("UTC"))
    citizen.go("/mis-notificaciones/")
    with citizen.page.expect_download() as download:
        citizen.page.click(f"a[href$='/mis-notificaciones/{notice.id}']")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    opened = _notice(platform, opened_case)
    assert opened.opened_at == opened.received_at == platform.clock.now and opened.proof_code
    received = opened_case.data["notificacion_recibida"]
    assert received["forma"] == "apertura"
    assert opened_case.data["vence_recurso"] == _business_days_after(platform, platform.clock.now, 10)
    _verify_in_browser(citizen, opened_case, opened.proof_code)
    _staff_sees(people["direccion"], opened_case, "Abierta el", opened.proof_code)

    # The second refusal is never opened: the background work deems it received when its term ends.
    unopened_case = _apply(platform, citizen, tmp_path, "Kiosco La Esquina")
    _refuse(people, unopened_case)
    unopened = _notice(platform, unopened_case)
    citizen.go(f"/mis-tramites/{unopened_case.number}")
    citizen.check()
    assert "sin abrir" in citizen.page.content()
    assert citizen.page.locator(f"a[href$='/mis-notificaciones/{unopened.id}']").count() == 1
    platform.advance(timedelta(days=1))
    assert _notice(platform, unopened_case).received_at is None
    platform.advance(unopened.deemed_due_at - platform.clock.now + timedelta(minutes=1))

    deemed = _notice(platform, unopened_case)
    assert deemed.received_at == unopened.deemed_due_at and deemed.opened_at is None and deemed.proof_code
    assert unopened_case.data["notificacion_recibida"]["forma"] == "vencimiento del plazo"
    assert unopened_case.data["vence_recurso"] == _business_days_after(platform, unopened.deemed_due_at, 10)
    citizen.go("/mis-notificaciones/")
    assert "vencido el plazo" in citizen.page.content()
    _verify_in_browser(citizen, unopened_case, deemed.proof_code)
    _staff_sees(people["direccion"], unopened_case, "Recibida por vencimiento del plazo", deemed.proof_code)
