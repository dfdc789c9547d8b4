"""The office's queue: check-in by code and by document, numbers of the day, the call order, walk-ins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from engine.appointments import queue
from engine.appointments.models import Appointment, Closure
from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.errors import Conflict, OperationRefused
from engine.uow import unit_of_work
from tests.appointments.office_helpers import MORNING, OFFICE, TIMEZONE, book, seed_office
from tests.fixtures.timing import in_parallel

KIOSK = "dispositivo:prueba"


def _by_code(app: Flask, scanned: str, at=MORNING, office: str = OFFICE) -> Appointment:  # type: ignore[no-untyped-def]
    with app.app_context(), unit_of_work():
        found = queue.check_in_by_code(scanned, office, actor=KIOSK, now=at, timezone=TIMEZONE)
        db.session.expunge(found)
        return found


def _walk_in(app: Flask, agenda_id: str, at=MORNING) -> Appointment:  # type: ignore[no-untyped-def]
    with app.app_context(), unit_of_work():
        found = queue.take_walk_in(agenda_id, OFFICE, actor=KIOSK, now=at, calendar=city_calendar(TIMEZONE))
        db.session.expunge(found)
        return found


def _call(app: Flask, desk: str, at=MORNING) -> Appointment | None:  # type: ignore[no-untyped-def]
    with app.app_context(), unit_of_work():
        found = queue.call_next(OFFICE, None, desk, by="mesa", now=at, timezone=TIMEZONE)
        if found is not None:
            db.session.expunge(found)
        return found


def _finish(app: Flask, appointment_id: str) -> None:
    with app.app_context(), unit_of_work():
        row = db.session.get(Appointment, appointment_id)
        assert row is not None
        row.status = "attended"


def test_check_in_by_code_gives_the_numbers_of_the_day_in_order(app: Flask) -> None:
    agenda = seed_office(app)
    first = book(app, agenda, MORNING)
    second = book(app, agenda, MORNING + timedelta(minutes=30))
    assert _by_code(app, first["code"]).ticket == "T-001"
    # a scanner types what the QR holds: a link that carries the code works as the code itself
    checked = _by_code(app, f"https://tramites.example/turnos/{second['code'].lower()}")
    assert (checked.ticket, checked.status) == ("T-002", "checked_in")
    # scanned twice: the same number, no new one
    assert _by_code(app, first["code"]).ticket == "T-001"
    with app.app_context():
        events = db.session.execute(db.text("SELECT count(*) FROM audit_events WHERE type = 'appointment_checked_in'"))
        assert events.scalar() == 2


def test_the_numbers_start_again_the_next_day(app: Flask) -> None:
    agenda = seed_office(app)
    today = book(app, agenda, MORNING)
    tomorrow = book(app, agenda, MORNING + timedelta(days=1))
    assert _by_code(app, today["code"]).ticket == "T-001"
    assert _by_code(app, tomorrow["code"], at=MORNING + timedelta(days=1)).ticket == "T-001"


def test_check_in_by_document_takes_the_next_appointment_of_today(app: Flask) -> None:
    agenda = seed_office(app)
    book(app, agenda, MORNING - timedelta(hours=1), document="30123456")  # 9:00, past its grace
    later = book(app, agenda, MORNING + timedelta(minutes=30), document="30123456")
    with app.app_context(), unit_of_work():
        found = queue.check_in_by_document("30.123.456", OFFICE, actor=KIOSK, now=MORNING, timezone=TIMEZONE)
        assert (found.id, found.ticket) == (later["id"], "T-001")


@pytest.mark.parametrize("what", ["otro dia", "otra oficina", "cancelado", "tolerancia vencida", "desconocido"])
def test_check_in_refusals_name_no_person(app: Flask, what: str) -> None:
    agenda = seed_office(app)
    other = seed_office(app, office_id="atencion-vecino", service_id="reclamos")
    starts = {"otro dia": MORNING + timedelta(days=1), "tolerancia vencida": MORNING - timedelta(minutes=30)}
    made = book(app, other if what == "otra oficina" else agenda, starts.get(what, MORNING))
    if what == "cancelado":
        with app.app_context(), unit_of_work():
            db.session.get(Appointment, made["id"]).status = "cancelled"  # type: ignore[union-attr]
    with pytest.raises(queue.CheckInRefused) as refused:
        _by_code(app, "NOEXISTE" if what == "desconocido" else made["code"])
    assert "vecina" not in refused.value.message and refused.value.status == 422


def test_a_document_number_too_short_is_refused_with_what_to_type(app: Flask) -> None:
    seed_office(app)
    with app.app_context(), pytest.raises(queue.CheckInRefused, match="sin puntos"):
        queue.check_in_by_document("12", OFFICE, actor=KIOSK, now=MORNING, timezone=TIMEZONE)


def test_a_walk_in_number_is_served_between_booked_ones(app: Flask) -> None:
    agenda = seed_office(app)
    at_ten = book(app, agenda, MORNING)
    at_half_past = book(app, agenda, MORNING + timedelta(minutes=30))
    # 9:50 the 10:00 person arrives; 9:55 the 10:30 person arrives early; 10:02 a walk-in
    _by_code(app, at_ten["code"], at=MORNING - timedelta(minutes=10))
    _by_code(app, at_half_past["code"], at=MORNING - timedelta(minutes=5))
    walk_in = _walk_in(app, agenda, at=MORNING + timedelta(minutes=2))
    assert walk_in.ticket == "S-003" and walk_in.kind == "walk_in" and walk_in.place is None
    first = _call(app, "Puesto 1", at=MORNING + timedelta(minutes=3))
    assert first is not None and first.id == at_ten["id"]
    _finish(app, first.id)
    # 10:15: the 10:30 appointment's time has not come: the walk-in is served between them
    second = _call(app, "Puesto 1", at=MORNING + timedelta(minutes=15))
    assert second is not None and second.id == walk_in.id
    _finish(app, second.id)
    third = _call(app, "Puesto 1", at=MORNING + timedelta(minutes=30))
    assert third is not None and third.id == at_half_past["id"]
    _finish(app, third.id)
    assert _call(app, "Puesto 1", at=MORNING + timedelta(minutes=31)) is None


def test_a_booked_appointment_whose_time_came_goes_before_an_earlier_walk_in(app: Flask) -> None:
    agenda = seed_office(app)
    walk_in = _walk_in(app, agenda, at=MORNING - timedelta(minutes=20))
    booked = book(app, agenda, MORNING)
    _by_code(app, booked["code"], at=MORNING - timedelta(minutes=5))
    with app.app_context():
        order = [a.id for a in queue.waiting(OFFICE, None, MORNING, TIMEZONE)]
        assert order == [booked["id"], walk_in.id]
        # before its time, the walk-in goes first (nobody idles at a desk)
        order = [a.id for a in queue.waiting(OFFICE, None, MORNING - timedelta(minutes=4), TIMEZONE)]
        assert order == [walk_in.id, booked["id"]]


def test_a_desk_finishes_its_call_before_calling_again_and_two_desks_never_share_a_person(app: Flask) -> None:
    agenda = seed_office(app)
    first, second = book(app, agenda, MORNING), book(app, agenda, MORNING)
    _by_code(app, first["code"])
    _by_code(app, second["code"])
    one = _call(app, "Puesto 1")
    with pytest.raises(Conflict, match="márquelo como atendido"):
        _call(app, "Puesto 1")
    other = _call(app, "Puesto 2")
    assert one is not None and other is not None and {one.id, other.id} == {first["id"], second["id"]}
    assert (one.desk, other.desk) == ("Puesto 1", "Puesto 2")
    with pytest.raises(OperationRefused, match="nombre de su puesto"):
        _call(app, "  ")


def test_a_recalled_number_is_the_newest_on_the_display(app: Flask) -> None:
    agenda = seed_office(app)
    first, second = book(app, agenda, MORNING), book(app, agenda, MORNING)
    _by_code(app, first["code"])
    _by_code(app, second["code"])
    one = _call(app, "Puesto 1")
    _call(app, "Puesto 2", at=MORNING + timedelta(minutes=1))
    assert one is not None
    with app.app_context(), unit_of_work():
        queue.recall(one.id, OFFICE, by="mesa", now=MORNING + timedelta(minutes=2))
    with app.app_context():
        calls = queue.recent_calls(OFFICE, MORNING + timedelta(minutes=3), TIMEZONE)
        assert [c.ticket for c in calls] == [one.ticket, "T-002"]
        # the first call is kept: the waiting time counts from it
        assert calls[0].called_at == MORNING


@pytest.mark.parametrize("when", ["sabado", "fuera de horario", "clausura"])
def test_no_walk_in_number_while_the_office_is_closed(app: Flask, when: str) -> None:
    agenda = seed_office(app)
    closed = {"sabado": MORNING + timedelta(days=3), "fuera de horario": MORNING + timedelta(hours=4)}
    moment = closed.get(when, MORNING)
    if when == "clausura":
        with app.app_context(), unit_of_work():
            db.session.add(Closure(office_id=OFFICE, agenda_id=None, first_day=MORNING.date(),
                                   last_day=MORNING.date(), reason="Desinfección", created_by="supervisora",
                                   created_at=MORNING - timedelta(days=1)))
    with pytest.raises(queue.CheckInRefused, match="no atiende"):
        _walk_in(app, agenda, at=moment)


def test_no_walk_in_number_for_a_service_that_takes_only_appointments(app: Flask) -> None:
    agenda = seed_office(app, walk_in=False)
    with pytest.raises(queue.CheckInRefused, match="no entrega números sin turno"):
        _walk_in(app, agenda)
    with app.app_context():
        assert queue.walk_in_agendas(OFFICE) == []


def test_a_desk_sees_only_its_groups_services(app: Flask) -> None:
    seed_office(app)
    seed_office(app, service_id="inspeccion-comercio", group="inspectores_comercio")
    with app.app_context():
        [(office, services)] = queue.attended_here(["mesa_entradas"])
        assert office.id == OFFICE and [s.id for s in services] == ["atencion-rentas"]
        [(_office, every)] = queue.attended_here(None)
        assert {s.id for s in every} == {"atencion-rentas", "inspeccion-comercio"}
        assert queue.attended_here(["otro_grupo"]) == []


def test_kiosks_checking_in_at_once_never_share_a_number_and_desks_never_share_a_person(app: Flask) -> None:
    agenda = seed_office(app)
    made = [book(app, agenda, MORNING + timedelta(minutes=30 * (i // 2))) for i in range(6)]

    def check_in(i: int) -> str | None:
        return _by_code(app, made[i]["code"], at=MORNING - timedelta(minutes=15)).ticket

    tickets = in_parallel(6, check_in)
    assert sorted(tickets) == [f"T-00{n}" for n in range(1, 7)]  # type: ignore[type-var]

    called = in_parallel(6, lambda i: _call(app, f"Puesto {i + 1}", at=MORNING + timedelta(hours=2)))
    ids = [c.id for c in called if c is not None]
    assert sorted(ids) == sorted(m["id"] for m in made)
