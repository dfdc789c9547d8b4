"""Twenty signed-in citizens press «Reservar» for the last free place at once, over real HTTP
(a threaded server, one connection each), on SQLite and PostgreSQL: one booking, 19 clear refusals."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from html import unescape

import requests
from sqlalchemy import select

from engine.appointments import booking
from engine.appointments.models import ACTIVE_STATES, Appointment
from engine.db import db
from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.appointments.conftest import Site
from tests.appointments.seed import CALENDAR, NOW, local, wednesday
from tests.fixtures.browser import LiveServer
from tests.fixtures.identity import password_of

PEOPLE = 20
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/ingresar", timeout=30)
    token = unescape(CSRF.search(page.text).group(1))  # type: ignore[union-attr]
    answer = session.post(f"{base}/ingresar", data={"usuario": username, "contrasena": password_of(username),
                                                     "csrf_token": token}, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    return session


def test_twenty_parallel_http_bookings_of_the_last_free_place(site: Callable[..., Site],
                                                               live_server: Callable[..., LiveServer]) -> None:
    s = site(desks=2)
    start = local(wednesday(), 10)
    with s.app.app_context():
        with unit_of_work():
            for n in range(PEOPLE):
                ensure_user(f"vecina{n}", display_name=f"Vecina {n}", password=password_of(f"vecina{n}"),
                            email=f"vecina{n}@example.com", roles=("citizen",))
        booking.book(s.agenda_id, start, holder="ciudadana", booked_by="ciudadana", now=NOW, calendar=CALENDAR)
        db.session.commit()
    server = live_server(s.app)
    path = f"{server.url}/turnos/servicio/{s.service_id}/agenda/{s.agenda_id}/{wednesday().isoformat()}"
    people = [_signed_in(server.url, f"vecina{n}") for n in range(PEOPLE)]
    tokens = [unescape(CSRF.search(p.get(path, timeout=30).text).group(1)) for p in people]  # type: ignore[union-attr]

    barrier = threading.Barrier(PEOPLE)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def press(n: int) -> None:
        barrier.wait()
        answer = people[n].post(path, data={"horario": start.isoformat(), "csrf_token": tokens[n]},
                                allow_redirects=False, timeout=60)
        with lock:
            answers.append((answer.status_code, answer.text))

    threads = [threading.Thread(target=press, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [303] + [409] * (PEOPLE - 1), statuses
    assert all("Elija otro horario" in text for status, text in answers if status == 409)
    with s.app.app_context():
        held = db.session.scalars(select(Appointment.holder).where(
            Appointment.agenda_id == s.agenda_id, Appointment.starts_at == start,
            Appointment.status.in_(ACTIVE_STATES))).all()
        assert len(held) == 2 and "ciudadana" in held  # no overbooking
