"""A guest's e-mailed link booked the slot on a GET: anyone who typed a neighbour's address got a
slot taken in the neighbour's name as soon as a mail scanner or a link preview opened the
message, without the neighbour ever choosing it, and a GET changed state. Now opening the link
shows what was asked for and «Confirmar el turno»; only that form (a POST with the page's CSRF
token) books, once."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from engine.appointments.models import Appointment
from engine.db import db
from tests.appointments.conftest import Site, link_in
from tests.appointments.seed import wednesday
from tests.fixtures.identity import Web


def _asked_link(s: Site) -> str:
    guest = s.guest()
    day = f"/turnos/servicio/{s.service_id}/agenda/{s.agenda_id}/{wednesday().isoformat()}"
    times = re.findall(r'name="horario" id="h-\d+" value="([^"]+)"', guest.client.get(day).get_data(as_text=True))
    asked = guest.post_form(day, {"horario": times[0], "email": "vecina@example.com", "documento": "20345678"})
    assert asked.status_code == 200, asked.status_code
    [mail] = s.mail.wait_for(1)
    return link_in(mail.message.get_body(("plain",)).get_content(), "/turnos/invitado/")


def _booked(s: Site) -> list[Appointment]:
    with s.app.app_context():
        return list(db.session.scalars(select(Appointment)))


def test_opening_the_link_books_nothing(site: Callable[..., Site]) -> None:
    s = site(allows_guest=True)
    link = _asked_link(s)
    for _ in range(3):  # a scanner, a preview, the person
        opened = s.guest().client.get(link)
        assert opened.status_code == 200
        assert "Confirmar el turno" in opened.get_data(as_text=True)
    assert _booked(s) == []


def test_only_the_confirmation_with_its_token_books_and_once(site: Callable[..., Site]) -> None:
    s = site(allows_guest=True)
    link = _asked_link(s)
    forged = s.guest().client.post(link)  # a cross-site form has no token of ours
    assert forged.status_code == 400 and _booked(s) == []
    person: Web = s.guest()
    confirmed = person.post_form(link, {})
    assert confirmed.status_code == 303 and len(_booked(s)) == 1
    assert person.client.get(link).status_code == 400  # used
    manage = confirmed.headers["Location"].removeprefix("http://localhost")
    again = person.post_form(link, {}, token_from=manage)
    assert again.status_code == 400 and len(_booked(s)) == 1
