"""A secured app on both databases with the platform's clock pinned, a small agenda and a citizen."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from flask import Flask

from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.appointments.seed import NOW, seed_agenda
from tests.fixtures.identity import Web, password_of
from tests.fixtures.smtp import SmtpServer

PUBLIC_URL = "http://turnos.example"


@dataclass
class PinnedClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Site:
    """The app, its pinned clock, the agenda to book and the session's SMTP server."""

    app: Flask
    clock: PinnedClock
    agenda_id: str
    service_id: str
    mail: SmtpServer

    def citizen(self, username: str = "ciudadana") -> Web:
        web = Web(self.app.test_client())
        web.sign_in(username, password_of(username))
        return web

    def guest(self) -> Web:
        return Web(self.app.test_client())


@pytest.fixture
def site(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Callable[..., Site]:
    """``site(**agenda options)``: a served-in-process app whose e-mails reach the test SMTP server."""

    def build(**options: Any) -> Site:
        app = make_app(PUBLIC_URL=PUBLIC_URL, **smtp_server.settings())
        clock = PinnedClock(NOW)
        app.extensions["tramites"].clock = clock
        smtp_server.clear()
        with app.app_context():
            with unit_of_work():
                for name in ("ciudadana", "vecino"):
                    ensure_user(name, display_name=name.capitalize(), password=password_of(name),
                                email=f"{name}@example.com", roles=("citizen",))
            agenda = seed_agenda(**options)
            return Site(app, clock, agenda.id, agenda.service_id, smtp_server)

    return build


def link_in(text: str, prefix: str) -> str:
    """The first address of the site in a text that starts with ``prefix`` (a path)."""
    found = re.search(re.escape(PUBLIC_URL + prefix) + r"[^\s\"<]+", text)
    assert found, f"no {prefix} link in: {text[:500]}"
    return found.group(0).removeprefix(PUBLIC_URL)
