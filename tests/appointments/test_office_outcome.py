"""Attended and absent at the office, no-shows after the grace, and a waiting case told of each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.appointments import outcome, queue
from engine.appointments.models import Appointment
from engine.background.jobs import run_due_work
from engine.db import db
from engine.errors import Conflict
from engine.models import AuditEvent
from engine.uow import unit_of_work
from tests.appointments.office_helpers import MORNING, OFFICE, TIMEZONE, appointment, book, pin_clock, seed_office
from tests.fixtures.engine import ApiClient


def _ctx(app: Flask) -> Any:
    return app.extensions["tramites"].engine_context()


def _called(app: Flask, made: dict[str, Any], desk: str = "Puesto 1") -> None:
    with app.app_context(), unit_of_work():
        queue.check_in_by_code(made["code"], OFFICE, actor="kiosco", now=MORNING, timezone=TIMEZONE)
        assert queue.call_next(OFFICE, None, desk, by="mesa", now=MORNING, timezone=TIMEZONE) is not None


def _waiting_case(api: ApiClient, code: str) -> str:
    assert api.deploy("turno_espera").status_code == 201
    started = api.start("turno_espera", {"turno": {"codigo": code}})
    assert started.status_code == 201, started.get_json()
    return str(started.get_json()["id"])


def _events(app: Flask, type_: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == type_)))


def test_attended_reaches_the_waiting_case_with_the_visit(app: Flask, api: ApiClient) -> None:
    agenda = seed_office(app)
    made = book(app, agenda, MORNING)
    instance_id = _waiting_case(api, made["code"])
    with app.app_context(), unit_of_work():
        db.session.get(Appointment, made["id"]).instance_id = instance_id  # type: ignore[union-attr]
    _called(app, made)
    ctx = _ctx(app)
    with app.app_context(), unit_of_work(ctx.after_commit):
        outcome.attended(ctx, made["id"], OFFICE, by="mesa", now=MORNING + timedelta(minutes=12))
    case = api.instance(instance_id)
    assert case["status"] == "completed", case
    visit = case["data"]["visita"]["turno"]
    assert visit["codigo"] == made["code"] and visit["estado"] == "attended" and visit["puesto"] == "Puesto 1"
    assert visit["inicio"] == MORNING.isoformat() and visit["servicio"] == "Servicio atencion-rentas"
    assert case["data"]["resultado"] == "visita attended"
    found = appointment(app, made["id"])
    assert (found.status, found.finished_at) == ("attended", MORNING + timedelta(minutes=12))
    # on the case's own audit chain: checked in, called, attended, the message received
    with app.app_context():
        kinds = list(db.session.scalars(select(AuditEvent.type).where(AuditEvent.instance_id == instance_id)
                                        .order_by(AuditEvent.id)))
    office_events = [k for k in kinds if k.startswith("appointment_") or k == "message_received"]
    assert office_events == ["appointment_checked_in", "appointment_called", "appointment_attended",
                             "message_received"]


def test_a_no_show_after_the_grace_reaches_the_case_from_the_background_work(app: Flask, api: ApiClient) -> None:
    agenda = seed_office(app, grace=10)
    made = book(app, agenda, MORNING)
    instance_id = _waiting_case(api, made["code"])
    with app.app_context(), unit_of_work():
        db.session.get(Appointment, made["id"]).instance_id = instance_id  # type: ignore[union-attr]
    runtime = app.extensions["tramites"]
    pin_clock(app, MORNING + timedelta(minutes=9))
    with app.app_context():
        run_due_work(runtime.engine_context(), unit_of_work)
    assert appointment(app, made["id"]).status == "booked"  # still within the grace
    pin_clock(app, MORNING + timedelta(minutes=11))
    with app.app_context():
        run_due_work(runtime.engine_context(), unit_of_work)
    assert appointment(app, made["id"]).status == "no_show"
    case = api.instance(instance_id)
    assert case["status"] == "completed" and case["data"]["resultado"] == "visita no_show", case
    [event] = _events(app, "appointment_no_show")
    assert event.actor == "sistema" and event.instance_id == instance_id


def test_the_desk_marks_absent_only_after_the_grace_or_once_called(app: Flask) -> None:
    agenda = seed_office(app, grace=10)
    late, called = book(app, agenda, MORNING), book(app, agenda, MORNING)
    _called(app, called)
    ctx = _ctx(app)
    with app.app_context(), pytest.raises(Conflict, match="tolerancia"):
        outcome.absent(ctx, late["id"], OFFICE, by="mesa", now=MORNING + timedelta(minutes=5))
    with app.app_context(), unit_of_work(ctx.after_commit):
        outcome.absent(ctx, late["id"], OFFICE, by="mesa", now=MORNING + timedelta(minutes=10))
        outcome.absent(ctx, called["id"], OFFICE, by="mesa", now=MORNING + timedelta(minutes=5))
    assert appointment(app, late["id"]).status == appointment(app, called["id"]).status == "no_show"
    with app.app_context(), pytest.raises(Conflict, match="ya está cerrado"):
        outcome.absent(ctx, late["id"], OFFICE, by="mesa", now=MORNING + timedelta(minutes=20))
    with app.app_context(), pytest.raises(Conflict, match="ya no está llamado"):
        outcome.attended(ctx, called["id"], OFFICE, by="mesa", now=MORNING + timedelta(minutes=20))


def test_a_person_waiting_in_the_room_is_called_before_being_marked_absent(app: Flask) -> None:
    agenda = seed_office(app)
    made = book(app, agenda, MORNING)
    with app.app_context(), unit_of_work():
        queue.check_in_by_code(made["code"], OFFICE, actor="kiosco", now=MORNING, timezone=TIMEZONE)
    with app.app_context(), pytest.raises(Conflict, match="llámelo"):
        outcome.absent(_ctx(app), made["id"], OFFICE, by="mesa", now=MORNING + timedelta(hours=1))
    with app.app_context():
        assert outcome.due_no_shows(MORNING + timedelta(hours=1), TIMEZONE) == []  # not a no-show: they came


def test_another_offices_appointment_is_not_found_at_this_desk(app: Flask) -> None:
    agenda = seed_office(app)
    seed_office(app, office_id="atencion-vecino", service_id="reclamos")
    made = book(app, agenda, MORNING)
    _called(app, made)
    with app.app_context(), pytest.raises(Exception, match="no existe en esta oficina"):
        outcome.attended(_ctx(app), made["id"], "atencion-vecino", by="mesa", now=MORNING)


def test_a_case_that_does_not_wait_any_more_leaves_a_trace_of_the_dropped_message(app: Flask, api: ApiClient) -> None:
    agenda = seed_office(app)
    made = book(app, agenda, MORNING)
    assert api.deploy("simple").status_code == 201
    other = api.start("tramite_simple", {}).get_json()["id"]
    with app.app_context(), unit_of_work():
        db.session.get(Appointment, made["id"]).instance_id = other  # type: ignore[union-attr]
    _called(app, made)
    ctx = _ctx(app)
    with app.app_context(), unit_of_work(ctx.after_commit):
        outcome.attended(ctx, made["id"], OFFICE, by="mesa", now=MORNING)
    [dropped] = _events(app, "message_dropped")
    assert dropped.instance_id == other and dropped.data["name"] == "turno_atendido"
    assert appointment(app, made["id"]).status == "attended"


def test_people_no_desk_finished_with_are_closed_after_their_day_and_the_case_hears_it(
        app: Flask, api: ApiClient) -> None:
    agenda = seed_office(app)
    waiting, called = book(app, agenda, MORNING), book(app, agenda, MORNING)
    instance_id = _waiting_case(api, called["code"])
    with app.app_context(), unit_of_work():
        db.session.get(Appointment, called["id"]).instance_id = instance_id  # type: ignore[union-attr]
    _called(app, called)
    with app.app_context(), unit_of_work():
        queue.check_in_by_code(waiting["code"], OFFICE, actor="kiosco", now=MORNING, timezone=TIMEZONE)
    runtime = app.extensions["tramites"]
    pin_clock(app, MORNING + timedelta(hours=10))  # 20:00 the same day: still theirs to finish
    with app.app_context():
        run_due_work(runtime.engine_context(), unit_of_work)
    assert appointment(app, waiting["id"]).status == "checked_in"
    pin_clock(app, MORNING + timedelta(hours=15))  # 01:00 of the next day in Tucumán
    with app.app_context():
        run_due_work(runtime.engine_context(), unit_of_work)
    assert appointment(app, waiting["id"]).status == appointment(app, called["id"]).status == "no_show"
    assert api.instance(instance_id)["data"]["resultado"] == "visita no_show"
    reasons = {e.data.get("reason") for e in _events(app, "appointment_no_show")}
    assert reasons == {"sin atender al cierre del día"}
