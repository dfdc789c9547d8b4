"""The agendas pages (/bandeja/agendas) and the dashboard's turnero figures, through the test client."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.appointments import demo
from engine.appointments.models import Agenda, Appointment, Closure, Office, OpeningHours, Service
from engine.db import db
from engine.deadlines import holidays
from engine.deadlines.holidays import city_calendar
from engine.models import AuditEvent
from engine.uow import unit_of_work
from engine.workflow.outbox import OutboxMessage
from tests.appointments.agendas_demo import seed_demo
from tests.appointments.seed import NOW
from tests.fixtures.identity import Web, csrf_in, password_of


@pytest.fixture
def seeded(identity_app: Flask) -> tuple[Flask, date]:
    """The demo's offices and appointments, with the platform's clock pinned at :data:`NOW`."""
    return identity_app, seed_demo(identity_app)


def _signed_in(app: Flask, who: str) -> Web:
    web = Web(app.test_client())
    web.sign_in(who, password_of(who))
    return web


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_the_keeper_sees_offices_agendas_and_services(seeded: tuple[Flask, date]) -> None:
    app, _day = seeded
    page = _text(_signed_in(app, "agendas").client.get("/bandeja/agendas/"))
    for name in ("Rentas — Centro", "Atención al Vecino", "Dirección de Comercio", "Inspección de comercio",
                 "lunes a viernes 07:30-13:00", "solo desde un trámite"):
        assert name in page, name


def test_a_holiday_added_over_booked_days_is_pointed_out_with_its_closure(seeded: tuple[Flask, date]) -> None:
    app, day = seeded
    with app.app_context(), unit_of_work():
        holidays.add(day, "Feriado puente", "nacional")
    web = _signed_in(app, "agendas")
    page = _text(web.client.get("/bandeja/agendas/"))
    assert "días que el calendario de la ciudad hoy marca como feriados" in page
    assert f"Atención al Vecino, {day:%d/%m/%Y}: 2 turnos" in page
    link = f"/bandeja/agendas/oficinas/atencion-vecino/cierres?dia={day.isoformat()}"
    assert link in page
    assert f'value="{day.isoformat()}"' in _text(web.client.get(link))  # the closure form comes filled in


def test_a_new_office_service_and_agenda_with_their_problems_first(seeded: tuple[Flask, date]) -> None:
    app, _day = seeded
    web = _signed_in(app, "agendas")
    bad = web.post_form("/bandeja/agendas/oficinas/nueva", {"id": "Mal Id", "name": "", "address": "x",
                                                             "latitude": "120", "active": "1"})
    assert bad.status_code == 422
    for message in ("minúsculas, números y guiones", "Escriba el nombre.", "entre -90 y 90"):
        assert message in _text(bad), message
    assert web.post_form("/bandeja/agendas/oficinas/nueva", {
        "id": "cpc-norte", "name": "CPC Norte", "address": "Av. Aconquija 1200", "latitude": "-26,81",
        "longitude": "-65,28", "active": "1"}).status_code == 303
    taken = web.post_form("/bandeja/agendas/oficinas/nueva", {"id": "cpc-norte", "name": "x", "address": "y"})
    assert taken.status_code == 409 and "Ya existe una oficina" in _text(taken)
    service = {"id": "licencias", "name": "Licencia de conducir", "group": "mesa_entradas", "slot_minutes": "20",
               "horizon_days": "15", "per_person_limit": "1", "grace_minutes": "10", "active": "1"}
    assert web.post_form("/bandeja/agendas/servicios/nuevo", {**service, "slot_minutes": "0"}).status_code == 422
    assert web.post_form("/bandeja/agendas/servicios/nuevo", service).status_code == 303
    hours = {f"dia-{d}": "08:00-12:00" for d in range(5)}
    bad_hours = web.post_form("/bandeja/agendas/nueva", {"office": "cpc-norte", "service": "licencias",
                                                         "desks": "2", **hours, "dia-2": "12:00-08:00"})
    assert bad_hours.status_code == 422 and "Miércoles: «12:00-08:00» cierra antes de abrir." in _text(bad_hours)
    assert web.post_form("/bandeja/agendas/nueva", {"office": "cpc-norte", "service": "licencias", "desks": "2",
                                                    **hours, "dia-2": "08:00-10:00, 15:00-18:00"}).status_code == 303
    with app.app_context():
        office = db.session.get(Office, "cpc-norte")
        assert (office.latitude, office.longitude) == (-26.81, -65.28)
        agenda = db.session.scalar(select(Agenda).where(Agenda.office_id == "cpc-norte"))
        assert agenda.desks == 2 and db.session.get(Service, "licencias").slot_minutes == 20
        assert db.session.scalar(select(db.func.count()).select_from(OpeningHours)
                                 .where(OpeningHours.agenda_id == agenda.id)) == 6
        kinds = set(db.session.scalars(select(AuditEvent.type).where(AuditEvent.actor == "agendas")))
        assert {"appointment_office_saved", "appointment_service_saved", "agenda_created"} <= kinds


def test_a_closure_lists_the_people_then_cancels_and_writes_to_them(seeded: tuple[Flask, date]) -> None:
    app, day = seeded
    web = _signed_in(app, "agendas")
    form = {"agenda": "", "desde": day.isoformat(), "hasta": "", "motivo": "Corte de energía en el edificio"}
    listed = web.post_form("/bandeja/agendas/oficinas/atencion-vecino/cierres", form,
                           token_from="/bandeja/agendas/oficinas/atencion-vecino/cierres")
    page = _text(listed)
    assert listed.status_code == 200 and "Turnos que se cancelarán (2)" in page
    assert "por correo a ciudadana@example.com" in page and "por correo a vecino@example.com" in page
    with app.app_context():
        assert db.session.scalars(select(Closure)).all() == []  # nothing saved before confirming
    turnos = re.findall(r'name="turno" value="([^"]+)"', page)
    confirm = {**form, "confirmar": "1", "csrf_token": csrf_in(page)}
    stale = web.client.post("/bandeja/agendas/oficinas/atencion-vecino/cierres",
                            data={**confirm, "turno": turnos[:1]})
    assert stale.status_code == 409 and "cambiaron los turnos afectados" in _text(stale)
    done = web.client.post("/bandeja/agendas/oficinas/atencion-vecino/cierres", data={**confirm, "turno": turnos})
    assert done.status_code == 303
    assert "Se cancelaron 2 turnos y se avisó a cada persona." in _text(web.client.get("/bandeja/agendas/"))
    with app.app_context():
        assert {db.session.get(Appointment, i).status for i in turnos} == {"cancelled"}
        mails = db.session.scalars(select(OutboxMessage)).all()
        assert sorted(m.params["para"] for m in mails) == ["ciudadana@example.com", "vecino@example.com"]
        assert all("/turnos/gestionar/" in m.params["datos"]["enlace"] for m in mails)
        assert {m.params["plantilla"] for m in mails} == {"turno_cancelado"}
        assert db.session.scalars(select(Closure)).one().reason == "Corte de energía en el edificio"
        guest_link = next(m.params["datos"]["enlace"] for m in mails if m.params["para"] == "vecino@example.com")
    # the guest follows the e-mail's link without an account: the cancellation, its reason, a way to book again
    rebook = app.test_client().get("/turnos/gestionar/" + guest_link.rsplit("/turnos/gestionar/", 1)[1])
    assert rebook.status_code == 200
    for text in ("Turno cancelado", "Corte de energía en el edificio", "Pedir un turno nuevo"):
        assert text in _text(rebook), text
    # a mistaken closure is removed: its days give slots again, what it cancelled stays cancelled
    overview = _text(web.client.get("/bandeja/agendas/"))
    [closure_id] = re.findall(r'/bandeja/agendas/cierres/([^/]+)/quitar', overview)
    removed = web.client.post(f"/bandeja/agendas/cierres/{closure_id}/quitar", data={"csrf_token": csrf_in(overview)})
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Closure)).all() == []
        assert {db.session.get(Appointment, i).status for i in turnos} == {"cancelled"}
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "agenda_closure_removed")).all()
        assert event.actor == "agendas" and event.data["reason"] == "Corte de energía en el edificio"


def test_stopping_an_agenda_lists_its_appointments_and_a_checked_box_keeps_it(seeded: tuple[Flask, date]) -> None:
    app, _day = seeded
    web = _signed_in(app, "agendas")
    with app.app_context():
        agenda_id = db.session.scalar(select(Agenda.id).where(Agenda.service_id == "rentas-atencion"))
    path = f"/bandeja/agendas/{agenda_id}"
    hours = {f"dia-{d}": "07:30-13:00" for d in range(5)}
    # the form sends the checkbox's hidden «0» and, checked, its «1»: kept active, nobody loses a place
    kept = web.post_form(path, {"desks": "3", **hours, "active": ["0", "1"]})  # type: ignore[dict-item]
    assert kept.status_code == 303
    stopped = web.post_form(path, {"desks": "3", **hours, "active": "0"})
    page = _text(stopped)
    assert stopped.status_code == 200 and "Turnos que se cancelarán (1)" in page
    assert "por correo a ciudadana@example.com" in page
    no_reason = web.client.post(path, data={"desks": "3", **hours, "active": "0", "confirmar": "1", "motivo": "",
                                            "turno": re.findall(r'name="turno" value="([^"]+)"', page),
                                            "csrf_token": csrf_in(page)})
    assert no_reason.status_code == 422 and "Escriba el motivo" in _text(no_reason)
    with app.app_context():
        assert db.session.get(Agenda, agenda_id).active is True  # nothing saved yet


def test_the_dashboard_shows_the_seeded_day_and_exports_it(seeded: tuple[Flask, date]) -> None:
    app, _day = seeded
    web = _signed_in(app, "admin")
    with app.app_context():
        seeded_day = demo.seeded_day(NOW.date(), city_calendar("America/Argentina/Tucuman")).isoformat()
    page = _text(web.client.get(f"/bandeja/tablero/?desde={seeded_day}&hasta={seeded_day}"))
    assert "Turnos por servicio y oficina" in page and "Rentas — Centro" in page
    csv = web.client.get(f"/bandeja/tablero/turnos.csv?desde={seeded_day}&hasta={seeded_day}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == ("Servicio;Oficina;Reservados;Sin turno;Atendidos;Ausentes;Cancelados;"
                        "Espera mediana (min);Espera máxima (min)")
    assert "Atención en Rentas;Rentas — Centro;6;1;5;1;1;10;15" in lines
    assert "Atención al Vecino;Atención al Vecino;3;1;3;1;0;9;20" in lines
    assert "Inspección de comercio;Dirección de Comercio;2;0;1;1;0;3;3" in lines
    # a supervisor of other groups sees none of these services
    other = _signed_in(app, "supervisora").client.get(f"/bandeja/tablero/turnos.csv?desde={seeded_day}")
    assert other.get_data(as_text=True).lstrip("\ufeff").splitlines()[1:] == []


def test_a_malformed_period_is_said_next_to_its_field(seeded: tuple[Flask, date]) -> None:
    app, _day = seeded
    web = _signed_in(app, "admin")
    page = web.client.get("/bandeja/tablero/?desde=04/12/2026&hasta=2026-12-07")
    assert page.status_code == 400
    assert 'id="error-turnos-desde">Escriba una fecha como AAAA-MM-DD' in _text(page)
    csv = web.client.get("/bandeja/tablero/turnos.csv?hasta=ayer")
    assert csv.status_code == 400 and "Escriba una fecha como AAAA-MM-DD" in _text(csv)
    # the other tables' CSV ignore the period
    assert web.client.get("/bandeja/tablero/pendientes.csv?hasta=ayer").status_code == 200
