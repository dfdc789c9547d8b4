"""¿Olvidó su contraseña?: the one-time link by e-mail, the new password's rules, every session ended."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from connectors.notify.mail import plain_sender
from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from portal.security import EXTENSION
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.fixtures.smtp import SmtpServer

LINK = re.compile(r"http://tramites\.example(/contrasena/nueva/\S+)")
NEW = "caballo-correcto-bateria"


@pytest.fixture
def reset_app(secure_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    smtp_server.clear()
    app = secure_app(PUBLIC_URL="http://tramites.example", send_email=plain_sender(smtp_server.settings()))
    with app.app_context(), unit_of_work():
        ensure_user("ana", display_name="Ana Pérez", password=password_of("ana"), email="ana@example.com")
    return app


def _ask(web: Web, email: str) -> str:
    response = web.post_form("/contrasena/olvido", {"email": email})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _link(smtp_server: SmtpServer) -> str:
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ana@example.com"]
    assert received.message["Subject"] == "Cambio de contraseña en Trámites SMT"
    found = LINK.search(received.message.get_body(preferencelist=("plain",)).get_content())
    assert found
    return found.group(1)


def test_the_sign_in_page_offers_it(reset_app: Flask) -> None:
    assert 'href="/contrasena/olvido"' in reset_app.test_client().get("/ingresar").get_data(as_text=True)


def test_a_reset_changes_the_password_once_and_ends_every_session(reset_app: Flask, smtp_server: SmtpServer) -> None:
    signed_in = Web(reset_app.test_client())
    signed_in.sign_in("ana", password_of("ana"))
    assert signed_in.client.get("/cuenta").status_code == 200
    web = Web(reset_app.test_client())
    answer = _ask(web, "ANA@example.com")
    path = _link(smtp_server)
    page = web.client.get(path)
    assert page.status_code == 200 and "Nueva contraseña" in page.get_data(as_text=True)
    token = csrf_in(page.get_data(as_text=True))
    weak = web.client.post(path, data={"csrf_token": token, "contrasena": "1234567890", "confirmacion": "1234567890"})
    assert weak.status_code == 422 and "muy común" in weak.get_data(as_text=True)
    done = web.client.post(path, data={"csrf_token": token, "contrasena": NEW, "confirmacion": NEW})
    assert done.status_code == 200 and "cerramos todas sus sesiones" in done.get_data(as_text=True)
    assert signed_in.client.get("/cuenta").status_code == 302  # the old session is gone
    web.sign_in("ana", password_of("ana"), expect=400)
    web.sign_in("ana", NEW)
    token = csrf_in(web.client.get("/cuenta").get_data(as_text=True))  # sign-in rotated the session
    again = web.client.post(path, data={"csrf_token": token, "contrasena": NEW + "x", "confirmacion": NEW + "x"})
    assert again.status_code == 400 and "ya se usó" in again.get_data(as_text=True)
    assert "Si hay una cuenta con ese correo" in answer


def test_unknown_addresses_get_the_same_answer_and_no_email(reset_app: Flask, smtp_server: SmtpServer) -> None:
    web = Web(reset_app.test_client())
    unknown = _ask(web, "nadie@example.com")
    known = _ask(web, "ana@example.com")
    strip = re.compile(r'name="csrf_token" value="[^"]+"|<meta name="csrf-token"[^>]+>')
    assert strip.sub("", unknown) == strip.sub("", known)
    assert len(smtp_server.wait_for(1)) == 1


def test_an_expired_or_forged_link_is_refused(reset_app: Flask, smtp_server: SmtpServer) -> None:
    web = Web(reset_app.test_client())
    _ask(web, "ana@example.com")
    path = _link(smtp_server)
    settings = reset_app.extensions[EXTENSION]
    now = settings.clock()
    settings.clock = lambda: now + timedelta(hours=2)
    expired = web.client.get(path)
    assert expired.status_code == 400 and "venció" in expired.get_data(as_text=True)
    forged = web.client.get("/contrasena/nueva/no-es-un-enlace")
    assert forged.status_code == 400 and "no es válido" in forged.get_data(as_text=True)


def test_without_mail_the_link_is_not_written_to_the_log(secure_app: Callable[..., Flask],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """With neither SMTP nor the outbox the link cannot go out; the log (read by the operators,
    shipped to others) says so without the link, which would open the account to whoever reads it."""
    app = secure_app(PUBLIC_URL="http://tramites.example", send_email=None)
    with app.app_context(), unit_of_work():
        ensure_user("ana", display_name="Ana Pérez", password=password_of("ana"), email="ana@example.com")
    with caplog.at_level("DEBUG"):
        _ask(Web(app.test_client()), "ana@example.com")
    assert "no password reset link sent to ana@example.com" in caplog.text
    assert "/contrasena/nueva/" not in caplog.text
