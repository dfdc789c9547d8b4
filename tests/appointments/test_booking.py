"""Slots, booking, cancelling and moving, on both databases."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.appointments import booking, links, slots
from engine.appointments.models import Appointment, Closure
from engine.db import db
from engine.models import AuditEvent
from tests.appointments.seed import CALENDAR, HOLIDAY, NOW, ZONE, local, seed_agenda, wednesday


def _book(agenda_id: str, starts_at: datetime, holder: str | None = "ana", **kw: Any) -> Appointment:
    return booking.book(agenda_id, starts_at, holder=holder, booked_by=kw.pop("booked_by", holder or "invitado"),
                        now=kw.pop("now", NOW), calendar=CALENDAR, **kw)


def test_slots_follow_opening_hours_in_the_city_zone(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda()
        day = wednesday()
        found = slots.free_slots(agenda, day, day, now=NOW, calendar=CALENDAR)
        assert [s.starts_at.astimezone(ZONE).time() for s in found] == [
            time(8), time(8, 30), time(9), time(9, 30), time(10), time(10, 30), time(11), time(11, 30)]
        assert all(s.ends_at - s.starts_at == timedelta(minutes=30) and s.free_places == 1 for s in found)
        assert found[0].starts_at.utcoffset() == timedelta(0)


def test_no_slots_on_holidays_weekends_closures_the_past_or_beyond_the_horizon(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda(horizon_days=10)
        today = NOW.astimezone(ZONE).date()  # Monday, 09:00 in the city
        assert slots.free_slots(agenda, HOLIDAY, HOLIDAY, now=NOW, calendar=CALENDAR) == []
        saturday = today + timedelta(days=5)
        assert slots.free_slots(agenda, saturday, saturday + timedelta(days=1), now=NOW, calendar=CALENDAR) == []
        todays = slots.free_slots(agenda, today, today, now=NOW, calendar=CALENDAR)
        assert todays and all(s.starts_at > NOW for s in todays)
        assert todays[0].starts_at == local(today, 9, 30)  # 09:00 itself has begun
        assert slots.free_slots(agenda, today + timedelta(days=11), today + timedelta(days=20),
                                now=NOW, calendar=CALENDAR) == []
        db.session.add(Closure(office_id=agenda.office_id, agenda_id=None, first_day=wednesday(),
                               last_day=wednesday(), reason="Desinfección", created_by="admin", created_at=NOW))
        db.session.commit()
        assert slots.free_slots(agenda, wednesday(), wednesday(), now=NOW, calendar=CALENDAR) == []


def test_offered_gives_the_earliest_free_slots_in_order(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda()
        first = slots.offered("rentas-atencion", now=NOW, calendar=CALENDAR, limit=3)
        today = NOW.astimezone(ZONE).date()
        assert [s.starts_at for s in first] == [local(today, 9, 30), local(today, 10), local(today, 10, 30)]
        assert slots.offered("rentas-atencion", now=NOW, calendar=CALENDAR, office_id="otra") == []
        assert slots.offered("no-existe", now=NOW, calendar=CALENDAR) == []
        _book(agenda.id, local(today, 9, 30))
        assert slots.offered("rentas-atencion", now=NOW, calendar=CALENDAR, limit=1)[0].starts_at == local(today, 10)


def test_a_booking_takes_a_place_and_a_full_slot_is_refused(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda(desks=2)
        start = local(wednesday(), 10)
        first = _book(agenda.id, start, holder="ana")
        second = _book(agenda.id, start, holder="beto")
        db.session.commit()
        assert (first.place, second.place) == (1, 2)
        assert first.code != second.code and len(first.code) == 8
        with pytest.raises(booking.SlotTaken) as refused:
            _book(agenda.id, start, holder="carla")
        assert "otra persona" in refused.value.message
        with pytest.raises(booking.SlotTaken):
            _book(agenda.id, local(wednesday(), 10, 10), holder="carla")  # not a slot start
        with pytest.raises(booking.SlotTaken):
            _book(agenda.id, local(HOLIDAY, 10), holder="carla")
        with pytest.raises(booking.NotBookable):
            _book("no-existe", start)
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.type == booking.BOOKED)).all()
        assert {e.data["holder"] for e in events} == {"ana", "beto"}
        assert "email" not in events[0].data and "document_number" not in events[0].data


def test_the_per_person_limit_refuses_a_hoarder(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda(per_person_limit=2)
        _book(agenda.id, local(wednesday(), 8))
        _book(agenda.id, local(wednesday(), 9))
        with pytest.raises(booking.LimitReached) as refused:
            _book(agenda.id, local(wednesday(), 10))
        assert "máximo por persona" in refused.value.message
        guest = _book(agenda.id, local(wednesday(), 10), holder=None, email="Guest@Example.com")
        _book(agenda.id, local(wednesday(), 10, 30), holder=None, email="guest@example.com")
        with pytest.raises(booking.LimitReached):  # a guest is counted by e-mail, whatever its case
            _book(agenda.id, local(wednesday(), 11), holder=None, email=" GUEST@example.com ")
        booking.cancel(guest, by="invitado", reason="No puedo ir", now=NOW)
        _book(agenda.id, local(wednesday(), 11), holder=None, email="guest@example.com")


def test_cancel_frees_the_place_and_is_audited(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda()
        start = local(wednesday(), 10)
        taken = _book(agenda.id, start)
        booking.cancel(taken, by="ana", reason="Viaje", now=NOW)
        db.session.commit()
        assert taken.status == "cancelled" and taken.cancel_reason == "Viaje"
        again = _book(agenda.id, start, holder="beto")
        assert again.place == 1
        with pytest.raises(booking.NotBookable):
            booking.cancel(taken, by="ana", reason="otra vez", now=NOW)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.type == booking.CANCELLED)).one()
        assert event.actor == "ana" and event.data["reason"] == "Viaje" and event.data["code"] == taken.code


def test_move_books_the_new_slot_and_cancels_the_old_one(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda(per_person_limit=1)
        old = _book(agenda.id, local(wednesday(), 10), email="ana@example.com", document_number="20.123.456")
        new = booking.move(old, local(wednesday(), 11), by="ana", now=NOW, calendar=CALENDAR)
        db.session.commit()
        assert new.moved_from == old.id and new.status == "booked" and old.status == "cancelled"
        assert (new.holder, new.email, new.document_number) == ("ana", "ana@example.com", "20123456")
        assert old.cancel_reason == "Reprogramado" and new.code != old.code
        assert links.manage_path(new) != links.manage_path(old)
        with pytest.raises(booking.NotBookable):
            booking.move(old, local(wednesday(), 9), by="ana", now=NOW, calendar=CALENDAR)
        other = _book(agenda.id, local(wednesday(), 9), holder="beto")
        with pytest.raises(booking.SlotTaken):  # nothing changes when the new slot is taken
            booking.move(new, other.starts_at, by="ana", now=NOW, calendar=CALENDAR)
        assert new.status == "booked"
        moved = db.session.scalars(select(AuditEvent).where(AuditEvent.type == booking.MOVED)).one()
        assert moved.data["moved_from"] == old.id and moved.data["previous_code"] == old.code


def test_the_manage_link_names_one_appointment(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda()
        taken = _book(agenda.id, local(wednesday(), 10))
        path = links.manage_path(taken)
        assert path.startswith(links.MANAGE_PREFIX) and taken.code not in path and taken.id not in path
        assert links.by_token(path.removeprefix(links.MANAGE_PREFIX)) is taken
        assert links.by_token("x" * 40) is None and links.by_token("") is None


def test_day_counts_for_the_calendar(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda()
        today = NOW.astimezone(ZONE).date()
        counts = slots.days_with_slots(agenda, today, today + timedelta(days=6), now=NOW, calendar=CALENDAR)
        assert counts[today] == 5 and HOLIDAY not in counts and counts[wednesday()] == 8
        assert all(day.weekday() < 5 for day in counts)
        assert isinstance(next(iter(counts)), date)


def test_a_booking_is_undone_with_its_transaction(app: Any) -> None:
    """Nothing of a booking stays when the request that made it fails later (on SQLite too, where a
    savepoint that opened the transaction would have committed it when released)."""
    with app.app_context():
        agenda = seed_agenda()
        agenda_id = agenda.id
        db.session.remove()
        _book(agenda_id, local(wednesday(), 10))
        db.session.rollback()
        db.session.remove()
        assert db.session.scalars(select(Appointment)).all() == []
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.type == booking.BOOKED)).all() == []


def test_the_payload_a_case_hears_of_its_appointment(app: Any) -> None:
    from engine.appointments import case_news

    with app.app_context():
        agenda = seed_agenda()
        taken = _book(agenda.id, local(wednesday(), 10))
        assert case_news.payload(taken) == {"turno": {
            "codigo": taken.code, "inicio": local(wednesday(), 10).isoformat(), "estado": "booked",
            "oficina": "Rentas — Centro", "servicio": "Atención en Rentas"}}
        assert datetime.fromisoformat(case_news.payload(taken)["turno"]["inicio"]).utcoffset() == timedelta(0)
