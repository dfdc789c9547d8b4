"""Agenda changes over booked days: the affected are listed, then cancelled, notified and audited (both databases)."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.appointments import agendas, booking, closures, links, slots
from engine.appointments.models import Agenda, Appointment, Closure
from engine.db import db
from engine.deadlines.holidays import Calendar
from engine.errors import DataInvalid
from engine.identity.accounts import ensure_user
from engine.models import AuditEvent
from engine.workflow.outbox import OutboxMessage
from engine.workflow.step import EngineContext
from tests.appointments.seed import CALENDAR, NOW, ZONE, local, seed_agenda, wednesday

SITE = "https://turnos.example"


def _ctx(app: Flask) -> EngineContext:
    ctx = app.extensions["tramites"].engine_context()
    ctx.now, ctx.public_url = (lambda: NOW), SITE
    return ctx


def _book(agenda: Agenda, at: datetime, holder: str | None = None, email: str | None = None,
          document: str | None = None) -> Appointment:
    return booking.book(agenda.id, at, holder=holder, booked_by=holder or "invitado", now=NOW, email=email,
                        document_number=document, calendar=CALENDAR)


def _events(type_: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == type_).order_by(AuditEvent.id)))


@pytest.fixture
def booked(app: Flask) -> Any:
    """Two people on Wednesday (one signed in with a verified address, one guest), one without e-mail
    on Wednesday, one on Thursday."""
    with app.app_context():
        agenda = seed_agenda(desks=2, per_person_limit=3)
        person, _ = ensure_user("ana", display_name="Ana Ruiz", password="x" * 12, email="ana@example.com")
        person.email_verified_at = NOW
        thursday = wednesday() + timedelta(days=1)
        made = {"ana": _book(agenda, local(wednesday(), 9), holder="ana"),
                "guest": _book(agenda, local(wednesday(), 9), email="luis@example.com"),
                "nomail": _book(agenda, local(wednesday(), 10), holder="pedro", document="30111222"),
                "thursday": _book(agenda, local(thursday, 9), holder="ana")}
        db.session.commit()
        return SimpleNamespace(id=agenda.id, office_id=agenda.office_id), {k: a.id for k, a in made.items()}


def test_a_closure_lists_then_cancels_notifies_and_audits_every_booked_appointment(app: Flask, booked: Any) -> None:
    agenda, ids = booked
    with app.app_context():
        ctx = _ctx(app)
        change = closures.closure_change(agenda.office_id, None, wednesday(), wednesday(), "Corte de energía",
                                         by="agendas", now=NOW)
        found = closures.affected(change, now=NOW, timezone=ctx.timezone)
        assert {a.id for a in found} == {ids["ana"], ids["guest"], ids["nomail"]}
        by_id = {a.id: a for a in found}
        assert by_id[ids["ana"]].email == "ana@example.com" and by_id[ids["ana"]].person == "Ana Ruiz"
        assert by_id[ids["guest"]].email == "luis@example.com"
        assert by_id[ids["nomail"]].email is None and by_id[ids["nomail"]].document_number == "30111222"

        applied = closures.apply(change, [a.id for a in found], by="agendas", ctx=ctx)
        db.session.commit()

        assert len(applied.cancelled) == 3 and len(applied.emails) == 2
        for key in ("ana", "guest", "nomail"):
            row = db.session.get(Appointment, ids[key])
            assert row.status == "cancelled" and row.cancel_reason == "Corte de energía"
        assert db.session.get(Appointment, ids["thursday"]).status == "booked"
        closure = db.session.scalars(select(Closure)).one()
        assert (closure.first_day, closure.last_day, closure.created_by) == (wednesday(), wednesday(), "agendas")
        closed = db.session.get(Agenda, agenda.id)
        assert slots.free_slots(closed, wednesday(), wednesday(), now=NOW, calendar=CALENDAR) == []

        mails = {m.params["para"]: m for m in db.session.scalars(select(OutboxMessage))}
        assert set(mails) == {"ana@example.com", "luis@example.com"}
        ana = mails["ana@example.com"].params
        assert ana["plantilla"] == "turno_cancelado" and ana["datos"]["motivo"] == "Corte de energía"
        assert ana["datos"]["fecha"] == local(wednesday(), 9).astimezone(ZONE).strftime("%d/%m/%Y %H:%M")
        assert ana["datos"]["enlace"] == SITE + links.manage_path(db.session.get(Appointment, ids["ana"]))
        assert all(m.status == "pending" for m in mails.values())

        # No appointment disappears without a trace: each cancellation, each notice (or why none), the change.
        codes = {db.session.get(Appointment, ids[k]).code for k in ("ana", "guest", "nomail")}
        assert {e.data["code"] for e in _events(booking.CANCELLED)} == codes
        assert {e.data["code"] for e in _events("appointment_cancel_notified")} == codes - {
            db.session.get(Appointment, ids["nomail"]).code}
        [unreached] = _events("appointment_cancel_not_notified")
        assert unreached.data["code"] == db.session.get(Appointment, ids["nomail"]).code
        [summary] = _events("agenda_closure_applied")
        assert summary.actor == "agendas" and {c["code"] for c in summary.data["cancelled"]} == codes
        assert summary.data["closure"]["id"] == closure.id


def test_a_closure_confirmed_on_an_old_list_changes_nothing(app: Flask, booked: Any) -> None:
    agenda, ids = booked
    with app.app_context():
        change = closures.closure_change(agenda.office_id, agenda.id, wednesday(), wednesday(), "Inventario",
                                         by="agendas", now=NOW)
        with pytest.raises(closures.AffectedChanged) as caught:
            closures.apply(change, [ids["ana"], ids["guest"]], by="agendas", ctx=_ctx(app))
        assert {a.id for a in caught.value.found} == {ids["ana"], ids["guest"], ids["nomail"]}
        assert caught.value.status == 409
        db.session.rollback()
        assert db.session.scalars(select(Closure)).all() == []
        assert db.session.get(Appointment, ids["ana"]).status == "booked"


def test_a_closure_needs_a_reason_ordered_days_and_an_agenda_of_the_office(app: Flask, booked: Any) -> None:
    agenda, _ids = booked
    with app.app_context():
        with pytest.raises(DataInvalid) as caught:
            closures.closure_change(agenda.office_id, "otra-agenda", wednesday(), wednesday() - timedelta(days=1),
                                    " ", by="agendas", now=NOW)
        assert {p["field"] for p in caught.value.errors} == {"reason", "last_day", "agenda"}


def test_shorter_hours_cancel_only_what_falls_outside(app: Flask, booked: Any) -> None:
    agenda, ids = booked
    with app.app_context():
        agenda = db.session.get(Agenda, agenda.id)
        week = agendas.parse_week({d: "08:00-09:30" for d in range(5)})
        change = closures.timetable_change(agenda, desks=2, week=week, active=True, reason="Horario de verano")
        found = closures.affected(change, now=NOW, timezone="America/Argentina/Tucuman")
        assert [a.id for a in found] == [ids["nomail"]]  # 10:00 is gone; 09:00 stays, on Wednesday and Thursday
        closures.apply(change, [ids["nomail"]], by="agendas", ctx=_ctx(app))
        db.session.commit()
        assert agendas.week_of(agenda.id)[2] == [(time(8), time(9, 30))]
        [event] = _events("agenda_timetable_applied")
        assert event.data["before"]["hours"]["miércoles"] == "08:00-12:00"
        assert event.data["after"]["hours"]["miércoles"] == "08:00-09:30"


def test_fewer_desks_cancel_the_last_booked_of_a_full_slot_and_renumber_the_rest(app: Flask, booked: Any) -> None:
    agenda, ids = booked
    with app.app_context():
        agenda = db.session.get(Agenda, agenda.id)
        assert db.session.get(Appointment, ids["guest"]).place == 2
        booking.cancel(db.session.get(Appointment, ids["ana"]), by="ana", reason="No puedo ir", now=NOW)
        db.session.commit()
        change = closures.timetable_change(agenda, desks=1, week=agendas.week_of(agenda.id), active=True,
                                           reason="Un puesto menos")
        assert closures.affected(change, now=NOW, timezone="America/Argentina/Tucuman") == []
        closures.apply(change, [], by="agendas", ctx=_ctx(app))
        db.session.commit()
        assert db.session.get(Appointment, ids["guest"]).place == 1  # moved into the place that is left
        assert db.session.get(Agenda, agenda.id).desks == 1


def test_fewer_desks_with_a_full_slot_cancel_the_latest_booking(app: Flask, booked: Any) -> None:
    agenda, ids = booked
    with app.app_context():
        agenda = db.session.get(Agenda, agenda.id)
        change = closures.timetable_change(agenda, desks=1, week=agendas.week_of(agenda.id), active=True,
                                           reason="Un puesto menos")
        found = closures.affected(change, now=NOW, timezone="America/Argentina/Tucuman")
        assert [a.id for a in found] == [ids["guest"]]  # booked after Ana, in the same slot
        with pytest.raises(DataInvalid):  # cancelling needs a reason the people will read
            closures.apply(closures.timetable_change(agenda, desks=1, week=agendas.week_of(agenda.id), active=True,
                                                     reason=""), [ids["guest"]], by="agendas", ctx=_ctx(app))
        db.session.rollback()
        closures.apply(change, [ids["guest"]], by="agendas", ctx=_ctx(app))
        db.session.commit()
        assert db.session.get(Appointment, ids["guest"]).status == "cancelled"
        assert db.session.get(Appointment, ids["ana"]).place == 1


def test_another_slot_length_cancels_appointments_off_the_new_grid(app: Flask, booked: Any) -> None:
    agenda, ids = booked
    with app.app_context():
        service = agendas.service(db.session.get(Agenda, agenda.id).service_id)
        change = closures.service_change(service, slot_minutes=45, active=True, reason="Turnos más largos",
                                         save=lambda: setattr(service, "slot_minutes", 45))
        found = closures.affected(change, now=NOW, timezone="America/Argentina/Tucuman")
        # 08:00, 08:45, 09:30, 10:15 …: 09:00 and 10:00 are no longer slots
        assert {a.id for a in found} == set(ids.values())
        stopped = closures.service_change(service, slot_minutes=30, active=False, reason="Ya no se atiende",
                                          save=lambda: None)
        assert len(closures.affected(stopped, now=NOW, timezone="America/Argentina/Tucuman")) == 4


def test_what_is_over_or_attended_is_never_touched(app: Flask, booked: Any) -> None:
    agenda, ids = booked
    with app.app_context():
        later = local(wednesday(), 11)
        change = closures.closure_change(agenda.office_id, None, wednesday(), wednesday(), "Cierre",
                                         by="agendas", now=later)
        assert closures.affected(change, now=later, timezone="America/Argentina/Tucuman") == []
        assert db.session.get(Appointment, ids["ana"]).status == "booked"


def test_a_week_reads_as_people_write_it() -> None:
    week = agendas.parse_week({0: "08:00-13:00", 1: "8:00 - 13:00", 2: "08:00-13:00", 3: "07:30-10:00, 16:00-19:00",
                               5: "09:00-12:00", 6: "09:00-12:00"})
    assert agendas.week_summary(week) == ["lunes a miércoles 08:00-13:00", "jueves 07:30-10:00, 16:00-19:00",
                                          "sábado y domingo 09:00-12:00"]
    with pytest.raises(DataInvalid) as caught:
        agendas.parse_week({0: "08:00-12:00, 11:00-13:00", 1: "25:00-26:00", 4: "mañana"})
    assert [p["field"] for p in caught.value.errors] == ["dia-0", "dia-1", "dia-4"]
    assert caught.value.errors[0]["message"] == "Lunes: dos horarios del mismo día se superponen."


def test_appointments_booked_before_a_holiday_was_added_are_pointed_out(app: Flask, booked: Any) -> None:
    agenda, _ids = booked
    with app.app_context():
        assert closures.booked_on_holidays(NOW, CALENDAR) == []
        late = Calendar(ZONE, frozenset({*CALENDAR.holidays, wednesday()}))
        [found] = closures.booked_on_holidays(NOW, late)
        assert (found.office_id, found.day, found.count) == (agenda.office_id, wednesday(), 3)


def test_a_booking_during_a_closure_is_either_cancelled_by_it_or_refused(app: Flask) -> None:
    """The closure holds the agenda while it lists and cancels; a booking of the closed day that
    comes meanwhile waits for it, then sees the closure and is refused: no appointment is left
    in a closed day (both databases, real threads and transactions)."""
    with app.app_context():
        agenda = seed_agenda(desks=2)
        agenda_id, office_id = agenda.id, agenda.office_id
        db.session.commit()
        db.session.remove()
    closing = threading.Event()
    outcome: list[str] = []

    def book_meanwhile() -> None:
        with app.app_context():
            closing.wait(timeout=30)
            try:
                _book(db.session.get(Agenda, agenda_id), local(wednesday(), 11), holder="tarde")
                db.session.commit()
                outcome.append("booked")
            except booking.SlotTaken:
                db.session.rollback()
                outcome.append("refused")
            finally:
                db.session.remove()

    other = threading.Thread(target=book_meanwhile)
    other.start()
    with app.app_context():
        change = closures.closure_change(office_id, None, wednesday(), wednesday(), "Desinfección",
                                         by="agendas", now=NOW)
        closures._lock(change.agenda_ids)  # what apply does first; the booking starts while it is held
        closing.set()
        other.join(timeout=0.5)  # it must be waiting for the agenda, not done
        assert other.is_alive() and not outcome
        closures.apply(change, [], by="agendas", ctx=_ctx(app))
        db.session.commit()
        db.session.remove()
    other.join(timeout=30)
    assert outcome == ["refused"]
    with app.app_context():
        left = db.session.scalars(select(Appointment).where(Appointment.agenda_id == agenda_id,
                                                            Appointment.status == "booked")).all()
        assert left == []
