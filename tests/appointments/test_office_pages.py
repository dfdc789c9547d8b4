"""The office's pages through HTTP: a device activated by its code, the kiosk, the desk and the display."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from engine.appointments import queue
from engine.appointments.models import OfficeDevice
from engine.db import db
from engine.uow import unit_of_work
from tests.appointments.office_helpers import MORNING, OFFICE, TIMEZONE, appointment, book, pin_clock, seed_office
from tests.fixtures.identity import Web, csrf_in, password_of

CODE = re.compile(r"<code>([A-Z0-9]+)</code>")


def _staff(app: Flask, who: str) -> Web:
    web = Web(app.test_client())
    web.sign_in(who, password_of(who))
    return web


def _register(app: Flask, kind: str, name: str = "Entrada") -> str:
    supervisor = _staff(app, "supervisora")
    page = supervisor.post_form("/bandeja/dispositivos/", {"oficina": OFFICE, "tipo": kind, "nombre": name})
    assert page.status_code == 200
    found = CODE.search(page.get_data(as_text=True))
    assert found, "the activation code is shown once"
    return found.group(1)


def _device(app: Flask, kind: str) -> Web:
    """A browser nobody signed in on, activated as the office's kiosk or display."""
    code = _register(app, kind)
    device = Web(app.test_client())
    answer = device.post_form("/dispositivo/activar", {"codigo": code[:5] + " " + code[5:].lower()})
    assert answer.status_code == 303 and answer.headers["Location"] == ("/kiosco/" if kind == "kiosk" else "/pantalla/")
    return device


@pytest.fixture
def office_app(identity_app: Flask) -> Flask:
    pin_clock(identity_app, MORNING)
    return identity_app


def test_a_browser_without_an_activated_device_sees_only_the_activation_form(office_app: Flask) -> None:
    seed_office(office_app)
    browser = Web(office_app.test_client())
    for path in ("/kiosco/", "/pantalla/"):
        assert browser.client.get(path).headers["Location"] == "/dispositivo/activar"
    calls = browser.client.get("/pantalla/llamados", headers={"HX-Request": "true"})
    assert calls.status_code == 204 and calls.headers["HX-Redirect"] == "/dispositivo/activar"
    # a staff session is not a device either
    assert _staff(office_app, "mesa").client.get("/kiosco/").status_code == 302
    refused = browser.post_form("/dispositivo/activar", {"codigo": "NOEXISTE"})
    assert refused.status_code == 422 and "no es válido o ya venció" in refused.get_data(as_text=True)


def test_an_activation_code_works_once_and_within_a_day(office_app: Flask) -> None:
    seed_office(office_app)
    code = _register(office_app, "kiosk")
    first, second = Web(office_app.test_client()), Web(office_app.test_client())
    assert first.post_form("/dispositivo/activar", {"codigo": code}).status_code == 303
    assert second.post_form("/dispositivo/activar", {"codigo": code}).status_code == 422
    late = _register(office_app, "display")
    pin_clock(office_app, MORNING + timedelta(hours=25))
    assert second.post_form("/dispositivo/activar", {"codigo": late}).status_code == 422
    with office_app.app_context():
        hashes = [d.secret_hash for d in db.session.query(OfficeDevice)]
        assert all(h is None or len(h) == 64 for h in hashes) and code not in str(hashes)


def test_the_kiosk_checks_in_by_code_and_document_and_hands_walk_in_numbers(office_app: Flask) -> None:
    agenda = seed_office(office_app)
    by_code = book(office_app, agenda, MORNING)
    by_document = book(office_app, agenda, MORNING, document="30123456")
    kiosk = _device(office_app, "kiosk")
    home = kiosk.client.get("/kiosco/")
    html = home.get_data(as_text=True)
    assert home.status_code == 200 and "Oficina rentas-centro" in html and "Servicio atencion-rentas" in html
    assert "camera=(self)" in home.headers["Permissions-Policy"]
    answer = kiosk.post_form("/kiosco/codigo", {"codigo": by_code["code"]}, token_from="/kiosco/")
    assert answer.status_code == 303
    ticket = kiosk.client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "T-001" in ticket and "vecina" not in ticket
    answer = kiosk.post_form("/kiosco/documento", {"documento": "30.123.456"}, token_from="/kiosco/")
    assert "T-002" in kiosk.client.get(answer.headers["Location"]).get_data(as_text=True)
    answer = kiosk.post_form("/kiosco/sin-turno", {"agenda": agenda}, token_from="/kiosco/")
    assert "S-003" in kiosk.client.get(answer.headers["Location"]).get_data(as_text=True)
    assert appointment(office_app, by_document["id"]).status == "checked_in"
    refused = kiosk.post_form("/kiosco/codigo", {"codigo": "OTROCODIGO"}, token_from="/kiosco/")
    assert refused.status_code == 422 and "No encontramos un turno para hoy" in refused.get_data(as_text=True)


def test_the_desk_calls_and_the_display_shows_the_number_and_the_desk(office_app: Flask) -> None:
    agenda = seed_office(office_app)
    made = book(office_app, agenda, MORNING)
    kiosk, display = _device(office_app, "kiosk"), _device(office_app, "display")
    kiosk.post_form("/kiosco/codigo", {"codigo": made["code"]}, token_from="/kiosco/")
    assert "Todavía no hay llamados hoy" in display.client.get("/pantalla/llamados").get_data(as_text=True)
    desk = _staff(office_app, "mesa")
    assert "Oficina rentas-centro" in desk.client.get("/bandeja/turnos/").get_data(as_text=True)
    page = f"/bandeja/turnos/{OFFICE}?puesto=Puesto+3"
    shown = desk.client.get(page).get_data(as_text=True)
    assert "T-001" in shown and "Llamar al siguiente" in shown
    call = f"/bandeja/turnos/{OFFICE}/llamar"
    called = desk.client.post(call, data={"puesto": "Puesto 3", "csrf_token": csrf_in(shown)})
    assert called.status_code == 303 and "puesto=Puesto+3" in called.headers["Location"]
    after = desk.client.get(called.headers["Location"]).get_data(as_text=True)
    assert "Llamó al número T-001." in after and "Atendido" in after
    calls = display.client.get("/pantalla/llamados").get_data(as_text=True)
    assert "T-001" in calls and "Puesto 3" in calls and "vecina" not in calls
    again = desk.client.post(call, data={"puesto": "Puesto 3", "csrf_token": csrf_in(after)})
    assert "márquelo como atendido o ausente" in desk.client.get(again.headers["Location"]).get_data(as_text=True)
    done = desk.client.post(f"/bandeja/turnos/{OFFICE}/turnos/{made['id']}/atendido",
                            data={"puesto": "Puesto 3", "csrf_token": csrf_in(after)})
    assert done.status_code == 303 and appointment(office_app, made["id"]).status == "attended"


def test_a_desk_of_other_groups_does_not_see_the_office(office_app: Flask) -> None:
    seed_office(office_app, group="inspectores_comercio")
    desk = _staff(office_app, "mesa")
    assert "no atienden servicios con turnos" in desk.client.get("/bandeja/turnos/").get_data(as_text=True)
    assert desk.client.get(f"/bandeja/turnos/{OFFICE}").status_code == 404
    # a supervisor attends every service
    assert _staff(office_app, "supervisora").client.get(f"/bandeja/turnos/{OFFICE}").status_code == 200


def test_a_revoked_device_is_sent_back_to_the_activation_form(office_app: Flask) -> None:
    seed_office(office_app)
    display = _device(office_app, "display")
    assert display.client.get("/pantalla/").status_code == 200
    with office_app.app_context():
        device_id = db.session.query(OfficeDevice.id).scalar()
    supervisor = _staff(office_app, "supervisora")
    listed = supervisor.client.get("/bandeja/dispositivos/").get_data(as_text=True)
    assert "activo desde" in listed
    revoked = supervisor.client.post(f"/bandeja/dispositivos/{device_id}/revocar", data={"csrf_token": csrf_in(listed)})
    assert revoked.status_code == 303
    assert display.client.get("/pantalla/").headers["Location"] == "/dispositivo/activar"
    assert display.client.get("/pantalla/llamados").headers["HX-Redirect"] == "/dispositivo/activar"
    # a kiosk's secret opens no display (and the other way round)
    with office_app.app_context(), unit_of_work():
        assert db.session.get(OfficeDevice, device_id).revoked_by == "supervisora"  # type: ignore[union-attr]


def test_a_kiosk_gives_nothing_of_another_office(office_app: Flask) -> None:
    seed_office(office_app)
    other_agenda = seed_office(office_app, office_id="atencion-vecino", service_id="reclamos")
    other = book(office_app, other_agenda, MORNING)
    kiosk = _device(office_app, "kiosk")
    assert "Servicio reclamos" not in kiosk.client.get("/kiosco/").get_data(as_text=True)
    refused = kiosk.post_form("/kiosco/sin-turno", {"agenda": other_agenda}, token_from="/kiosco/")
    assert refused.status_code == 422 and "no entrega números sin turno" in refused.get_data(as_text=True)
    refused = kiosk.post_form("/kiosco/codigo", {"codigo": other["code"]}, token_from="/kiosco/")
    assert refused.status_code == 422
    # a number of the other office, even checked in there, is not shown here
    with office_app.app_context(), unit_of_work():
        queue.check_in_by_code(other["code"], "atencion-vecino", actor="kiosco", now=MORNING, timezone=TIMEZONE)
    assert kiosk.client.get(f"/kiosco/numero/{other['id']}").status_code == 404
    assert appointment(office_app, other["id"]).ticket == "T-001"


def test_a_kiosk_takes_only_so_many_document_numbers_in_a_while(office_app: Flask,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import portal.office.kiosk

    agenda = seed_office(office_app)
    book(office_app, agenda, MORNING, document="30123456")
    monkeypatch.setattr(portal.office.kiosk, "DOCUMENT_RATE", (2, timedelta(minutes=10)))
    kiosk = _device(office_app, "kiosk")
    for typed in ("20111111", "20222222"):
        assert kiosk.post_form("/kiosco/documento", {"documento": typed}, token_from="/kiosco/").status_code == 422
    refused = kiosk.post_form("/kiosco/documento", {"documento": "30123456"}, token_from="/kiosco/")
    assert refused.status_code == 429 and "Demasiados intentos" in refused.get_data(as_text=True)
    # the code of the QR is not limited: it names one appointment, it does not search people
    other = book(office_app, agenda, MORNING)
    assert kiosk.post_form("/kiosco/codigo", {"codigo": other["code"]}, token_from="/kiosco/").status_code == 303


def test_the_desk_calls_again_and_marks_absent_from_its_page(office_app: Flask) -> None:
    agenda = seed_office(office_app, grace=10)
    late, here = book(office_app, agenda, MORNING), book(office_app, agenda, MORNING)
    kiosk, display = _device(office_app, "kiosk"), _device(office_app, "display")
    kiosk.post_form("/kiosco/codigo", {"codigo": here["code"]}, token_from="/kiosco/")
    desk = _staff(office_app, "mesa")
    page = f"/bandeja/turnos/{OFFICE}?puesto=Puesto+1"
    form = {"puesto": "Puesto 1", "csrf_token": csrf_in(desk.client.get(page).get_data(as_text=True))}
    desk.client.post(f"/bandeja/turnos/{OFFICE}/llamar", data=form)
    # before the grace the late appointment offers no «Marcar ausente», and a post is refused on the page
    shown = desk.client.get(page).get_data(as_text=True)
    assert "tolerancia hasta las 10:10" in shown
    early = desk.client.post(f"/bandeja/turnos/{OFFICE}/turnos/{late['id']}/ausente", data=form)
    assert "Todavía no pasó la tolerancia" in desk.client.get(early.headers["Location"]).get_data(as_text=True)
    pin_clock(office_app, MORNING + timedelta(minutes=11))
    assert "Marcar ausente" in desk.client.get(page).get_data(as_text=True)
    desk.client.post(f"/bandeja/turnos/{OFFICE}/turnos/{late['id']}/ausente", data=form)
    again = desk.client.post(f"/bandeja/turnos/{OFFICE}/turnos/{here['id']}/volver-a-llamar", data=form)
    assert "Volvió a llamar al número T-001." in desk.client.get(again.headers["Location"]).get_data(as_text=True)
    assert "T-001" in display.client.get("/pantalla/llamados").get_data(as_text=True)
    desk.client.post(f"/bandeja/turnos/{OFFICE}/turnos/{here['id']}/ausente", data=form)
    assert appointment(office_app, late["id"]).status == appointment(office_app, here["id"]).status == "no_show"
    assert "No quedan turnos por llegar." in desk.client.get(page).get_data(as_text=True)
