"""The agendas pages in Chromium, at 390 px and at 1280 px: the keeper closes a day with booked appointments
(the people are listed, then notified), changes an agenda's hours with the keyboard, and a supervisor reads
the turnero's figures on the dashboard.

axe-core runs on every page visited; no Content Security Policy violation may appear and no page
scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.appointments import demo
from engine.appointments.models import Appointment
from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.workflow.outbox import OutboxMessage
from tests.appointments.agendas_demo import seed_demo
from tests.appointments.seed import NOW
from tests.fixtures.browser import Visit
from tests.fixtures.identity import password_of

pytestmark = pytest.mark.browser
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def seeded(identity_app: Flask) -> tuple[Flask, date]:
    return identity_app, seed_demo(identity_app)


@pytest.fixture(params=sorted(WIDTHS))
def screen(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="es-AR", viewport=WIDTHS[request.param])
    yield context.new_page()
    context.close()


def _sign_in(page: Any, base: str, who: str, path: str) -> Visit:
    visit = Visit(page, base)
    page.goto(base + path)
    page.fill("#campo-usuario", who)
    page.fill("#campo-contrasena", password_of(who))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**" + path.split("?")[0] + "**")
    return visit


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def _check(visit: Visit) -> None:
    visit.check()
    _fits(visit.page)


def test_the_keeper_closes_a_booked_day_and_everyone_is_notified(
        seeded: tuple[Flask, date], live_server: Callable[[Any], Any], screen: Any) -> None:
    app, day = seeded
    base = live_server(app).url
    visit = _sign_in(screen, base, "agendas", "/bandeja/agendas/")
    assert screen.locator("h3", has_text="Atención al Vecino").count() == 1
    _check(visit)

    screen.get_by_role("link", name="Cerrar días en Atención al Vecino").click()
    screen.wait_for_url("**/cierres")
    _check(visit)
    screen.click("button:has-text('Revisar el cierre')")  # nothing typed: problems next to the fields
    assert screen.locator("#error-motivo").inner_text().startswith("Escriba el motivo")
    _check(visit)

    screen.fill("#campo-desde", day.isoformat())
    screen.fill("#campo-motivo", "Corte de energía en el edificio")
    screen.click("button:has-text('Revisar el cierre')")
    screen.wait_for_selector("text=Turnos que se cancelarán (2)")
    assert screen.locator("td", has_text="por correo a vecino@example.com").count() == 1
    _check(visit)

    screen.click("button:has-text('Confirmar y cancelar 2 turnos')")
    screen.wait_for_selector("text=Se cancelaron 2 turnos y se avisó a cada persona.")
    assert screen.locator("td", has_text="Corte de energía en el edificio").count() == 1  # the closure ahead
    _check(visit)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 2
        assert db.session.scalar(select(db.func.count()).select_from(Appointment)
                                 .where(Appointment.cancel_reason == "Corte de energía en el edificio")) == 2


def test_the_keeper_changes_hours_with_the_keyboard(
        seeded: tuple[Flask, date], live_server: Callable[[Any], Any], screen: Any) -> None:
    app, _day = seeded
    base = live_server(app).url
    visit = _sign_in(screen, base, "agendas", "/bandeja/agendas/")
    screen.get_by_role("link", name="Cambiar la agenda de Atención en Rentas en Rentas — Centro").focus()
    screen.keyboard.press("Enter")
    screen.wait_for_selector("h1:has-text('Agenda de Atención en Rentas')")
    _check(visit)
    screen.focus("#campo-dia-0")
    screen.keyboard.press("Control+A")
    screen.keyboard.type("7:30 a 9")
    screen.keyboard.press("Enter")
    assert screen.locator("#error-dia-0").inner_text().startswith("Lunes: escriba los horarios como 08:00-12:00")
    _check(visit)
    screen.fill("#campo-dia-0", "07:30-10:00")
    screen.click("button:has-text('Guardar')")
    screen.wait_for_selector("text=Se guardó la agenda.")
    assert screen.locator("td", has_text="lunes 07:30-10:00").count() == 1
    assert screen.locator("td", has_text="martes a viernes 07:30-13:00").count() == 1
    _check(visit)


def test_a_supervisor_reads_the_figures_of_the_seeded_day(
        seeded: tuple[Flask, date], live_server: Callable[[Any], Any], screen: Any) -> None:
    app, _day = seeded
    base = live_server(app).url
    with app.app_context():
        seeded_day = demo.seeded_day(NOW.date(), city_calendar("America/Argentina/Tucuman")).isoformat()
    visit = _sign_in(screen, base, "admin", "/bandeja/tablero/")
    screen.fill("#turnos-desde", seeded_day)
    screen.fill("#turnos-hasta", seeded_day)
    screen.click("button:has-text('Ver el período')")
    screen.wait_for_url(f"**desde={seeded_day}**")
    row = screen.locator("#t-turnos ~ div tr", has_text="Rentas — Centro")
    assert [c.strip() for c in row.locator("td").all_inner_texts()] == [
        "Atención en Rentas", "Rentas — Centro", "6", "1", "5", "1", "1", "10", "15"]
    _check(visit)
    with screen.expect_download() as download:
        screen.get_by_role("link", name="Descargar CSV turnos").click()
    assert download.value.suggested_filename == f"tablero-turnos-{seeded_day}-{seeded_day}.csv"
