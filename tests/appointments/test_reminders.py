"""Reminders the day before, sent by the background work with the platform's clock moved (both databases)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from engine.appointments import booking, reminders
from engine.appointments.models import Appointment
from engine.background.jobs import run_due_work
from engine.db import db
from engine.models import AuditEvent
from engine.uow import unit_of_work
from tests.appointments.conftest import Site, link_in
from tests.appointments.seed import CALENDAR, NOW, local, wednesday


def _run_background(s: Site) -> int:
    with s.app.app_context():
        ctx = s.app.extensions["tramites"].engine_context()
        return run_due_work(ctx, lambda: unit_of_work(ctx.after_commit))


def test_reminders_go_out_the_day_before_once(site: Callable[..., Site]) -> None:
    s = site(desks=2, per_person_limit=3)
    with s.app.app_context():
        def book(holder: str | None, starts: object, email: str | None = None) -> Appointment:
            return booking.book(s.agenda_id, starts, holder=holder, booked_by=holder or "invitado", now=NOW,
                                email=email, calendar=CALENDAR)

        wanted = book("ciudadana", local(wednesday(), 9))
        guest = book(None, local(wednesday(), 11, 30), email="invitada@example.com")
        dropped = book("vecino", local(wednesday(), 10))
        booking.cancel(dropped, by="vecino", reason="No voy", now=NOW)
        later = book("ciudadana", local(wednesday() + timedelta(days=1), 9))
        db.session.commit()
        ids = {wanted.id, guest.id}
        later_id = later.id

    s.clock.now = local(wednesday() - timedelta(days=2), 23, 59)  # Monday night: Wednesday is not tomorrow
    _run_background(s)
    with s.app.app_context():
        assert reminders.due(s.clock.now, CALENDAR) == []

    s.clock.now = local(wednesday() - timedelta(days=1), 10)  # Tuesday morning in the city
    _run_background(s)  # claims the reminders and writes their e-mails into the outbox
    s.clock.now += timedelta(minutes=1)
    _run_background(s)  # the outbox's round sends them
    mails = s.mail.wait_for(2)
    assert sorted(r for m in mails for r in m.rcpt_tos) == ["ciudadana@example.com", "invitada@example.com"]
    assert all(m.message["Subject"].startswith("Recordatorio: mañana tiene turno") for m in mails)
    body = next(m for m in mails if m.rcpt_tos == ["ciudadana@example.com"]).message.get_body(("plain",)).get_content()
    assert "09/12/2026 09:00" in body and link_in(body, "/turnos/gestionar/")

    s.clock.now += timedelta(hours=3)
    _run_background(s)
    assert len(s.mail.received) == 2  # once
    with s.app.app_context():
        reminded = {a.id for a in db.session.scalars(select(Appointment).where(Appointment.reminded_at.is_not(None)))}
        assert reminded == ids and later_id not in reminded
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.type == reminders.REMINDED)).all()
        assert {e.data["appointment"] for e in events} == ids and all(e.data["e-mail"] for e in events)


def test_a_reminder_is_claimed_once_even_by_two_workers(site: Callable[..., Site]) -> None:
    s = site()
    with s.app.app_context():
        taken = booking.book(s.agenda_id, local(wednesday(), 9), holder="ciudadana", booked_by="ciudadana", now=NOW,
                             calendar=CALENDAR)
        db.session.commit()
        tuesday = local(wednesday() - timedelta(days=1), 10)
        assert reminders.remind(taken.id, tuesday, zone="America/Argentina/Tucuman", public_url="http://x.example")
        assert not reminders.remind(taken.id, tuesday, zone="America/Argentina/Tucuman", public_url="http://x.example")
        db.session.commit()
        assert reminders.due(tuesday, CALENDAR) == []
