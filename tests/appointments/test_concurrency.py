"""Twenty people book the last free place of a slot at the same moment: exactly one gets it.

Real threads, each with its own database connection and transaction, against the real database
(SQLite and PostgreSQL); nothing is mocked. The HTTP version is in test_concurrency_http.py.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from engine.appointments import booking
from engine.appointments.models import ACTIVE_STATES, Appointment
from engine.db import db
from engine.models import AuditEvent
from tests.appointments.seed import CALENDAR, NOW, local, seed_agenda, wednesday

PEOPLE = 20


def _race(app: Flask, agenda_id: str, start: Any) -> list[tuple[str, str]]:
    """Every person books ``start`` at once; what each got: ("booked", code) or (error class, message)."""
    barrier = threading.Barrier(PEOPLE)
    results: list[tuple[str, str]] = []
    lock = threading.Lock()

    def person(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                taken = booking.book(agenda_id, start, holder=f"vecino{n}", booked_by=f"vecino{n}", now=NOW,
                                     calendar=CALENDAR)
                db.session.commit()
                outcome = ("booked", taken.code)
            except Exception as e:  # noqa: BLE001 - every outcome is recorded and judged below
                db.session.rollback()
                outcome = (type(e).__name__, getattr(e, "message", str(e)))
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_twenty_parallel_bookings_of_the_last_free_place(app: Flask) -> None:
    with app.app_context():
        agenda = seed_agenda(desks=3)
        start = local(wednesday(), 10)
        for name in ("ana", "beto"):  # two of the three places are taken: one is left
            booking.book(agenda.id, start, holder=name, booked_by=name, now=NOW, calendar=CALENDAR)
        db.session.commit()
        agenda_id = agenda.id
        db.session.remove()

    results = _race(app, agenda_id, start)

    winners = [r for r in results if r[0] == "booked"]
    refusals = [r for r in results if r[0] != "booked"]
    assert len(winners) == 1, results
    assert len(refusals) == PEOPLE - 1
    assert {kind for kind, _ in refusals} == {"SlotTaken"}, refusals
    assert all("Elija otro horario" in message for _, message in refusals)
    with app.app_context():
        held = db.session.execute(select(Appointment.place, Appointment.holder).where(
            Appointment.agenda_id == agenda_id, Appointment.starts_at == start,
            Appointment.status.in_(ACTIVE_STATES))).all()
        assert sorted(place for place, _ in held) == [1, 2, 3]  # no overbooking
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.type == booking.BOOKED)) == 3


def test_parallel_bookings_of_a_full_slot_are_all_refused(app: Flask) -> None:
    with app.app_context():
        agenda = seed_agenda(desks=1)
        start = local(wednesday(), 11)
        booking.book(agenda.id, start, holder="ana", booked_by="ana", now=NOW, calendar=CALENDAR)
        db.session.commit()
        agenda_id = agenda.id
        db.session.remove()

    results = _race(app, agenda_id, start)

    assert {kind for kind, _ in results} == {"SlotTaken"}, results


def test_a_hoarder_booking_in_parallel_gets_no_more_than_the_limit(app: Flask) -> None:
    with app.app_context():
        agenda = seed_agenda(desks=1, per_person_limit=2)
        agenda_id = agenda.id
        db.session.remove()
    starts = [local(wednesday(), 8, 30 * n) if n < 2 else local(wednesday(), 8 + n // 2, 30 * (n % 2))
              for n in range(8)]
    barrier = threading.Barrier(len(starts))
    results: list[str] = []
    lock = threading.Lock()

    def grab(start: Any) -> None:
        with app.app_context():
            barrier.wait()
            try:
                booking.book(agenda_id, start, holder="acaparador", booked_by="acaparador", now=NOW,
                             calendar=CALENDAR)
                db.session.commit()
                outcome = "booked"
            except Exception as e:  # noqa: BLE001 - judged below
                db.session.rollback()
                outcome = type(e).__name__
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=grab, args=(start,)) for start in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["LimitReached"] * 6 + ["booked"] * 2, results
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.holder == "acaparador", Appointment.status.in_(ACTIVE_STATES))) == 2
