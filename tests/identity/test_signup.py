"""Citizen sign-up: validation, the verification e-mail over real SMTP, and activation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from connectors.notify.mail import plain_sender
from engine.db import db, utcnow
from engine.identity.accounts import User
from portal.security import EXTENSION
from tests.fixtures.identity import Web, csrf_in
from tests.fixtures.smtp import SmtpServer

LINK = re.compile(r"(https?://\S+/registrarse/confirmar/\S+)")
GOOD = {"nombre": "María Fernández", "email": "Maria.Fernandez@Example.com", "documento": "27-30123456-8",
        "contrasena": "caballo-correcto-bateria", "confirmacion": "caballo-correcto-bateria"}


@pytest.fixture
def signup(secure_app: Callable[..., Flask], smtp_server: SmtpServer) -> tuple[Web, Flask]:
    smtp_server.clear()
    app = secure_app(PUBLIC_URL="http://tramites.example", send_email=plain_sender(smtp_server.settings()))
    return Web(app.test_client()), app


def _link(smtp_server: SmtpServer) -> str:
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["maria.fernandez@example.com"]
    assert received.message["Subject"] == "Confirme su correo para Trámites SMT"
    body = received.message.get_body(preferencelist=("plain",)).get_content()
    assert "Hola, María Fernández" in body
    found = LINK.search(body)
    assert found, body
    return found.group(1)


def test_sign_up_verify_and_sign_in(signup: tuple[Web, Flask], smtp_server: SmtpServer) -> None:
    web, app = signup
    response = web.post_form("/registrarse", GOOD)
    assert response.status_code == 302 and response.headers["Location"] == "/registrarse/enviado"
    assert "todavía no está activa" in web.sign_in("maria.fernandez@example.com", GOOD["contrasena"],
                                                   expect=403).get_data(as_text=True)
    link = _link(smtp_server)
    assert link.startswith("http://tramites.example/registrarse/confirmar/")  # PUBLIC_URL, never the Host header
    path = link.removeprefix("http://tramites.example")
    page = web.client.get(path)
    assert "Activar mi cuenta" in page.get_data(as_text=True)
    done = web.client.post(path, data={"csrf_token": csrf_in(page.get_data(as_text=True))})
    assert done.status_code == 200 and "Su cuenta está activa" in done.get_data(as_text=True)
    again = web.client.post(path, data={"csrf_token": csrf_in(page.get_data(as_text=True))})
    assert again.status_code == 400 and "ya se usó" in again.get_data(as_text=True)
    web.sign_in("maria.fernandez@example.com", GOOD["contrasena"])
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "maria.fernandez@example.com"))
        assert (user.role_set, user.dni, user.cuil, user.active) == ({"citizen"}, "30123456", "27301234568", True)
        assert user.email_verified_at is not None and user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"email": "no-es-correo"}, "email", "correo electrónico válido"),
    ({"nombre": "M"}, "nombre", "nombre y apellido"),
    ({"documento": "20-12345678-5"}, "documento", "El CUIL no es válido"),
    ({"documento": "12"}, "documento", "DNI (7 u 8 números)"),
    ({"contrasena": "corta", "confirmacion": "corta"}, "contrasena", "al menos 10 caracteres"),
    ({"contrasena": "contraseña", "confirmacion": "contraseña"}, "contrasena", "muy común"),
    ({"confirmacion": "otra-cosa-distinta"}, "confirmacion", "no coinciden"),
])
def test_problems_are_shown_next_to_the_field_keeping_what_was_typed(
        signup: tuple[Web, Flask], smtp_server: SmtpServer, change: dict[str, str], field: str, message: str) -> None:
    web, _app = signup
    response = web.post_form("/registrarse", {**GOOD, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'aria-invalid="true" aria-describedby="' in html and f'id="error-{field}"' in html
    assert 'value="María Fernández"' in html or field == "nombre"
    assert "caballo-correcto-bateria" not in html  # passwords are never echoed
    assert smtp_server.received == []


def test_one_profile_per_email_and_per_dni(signup: tuple[Web, Flask], smtp_server: SmtpServer) -> None:
    """A second sign-up with a taken e-mail or DNI creates nothing (what it answers: tests/security)."""
    web, app = signup
    assert web.post_form("/registrarse", GOOD).status_code == 302
    web.post_form("/registrarse", {**GOOD, "documento": "20123456786"})
    web.post_form("/registrarse", {**GOOD, "email": "otra@example.com", "documento": "30.123.456"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize("tamper", ["cambiado", "vencido"])
def test_tampered_or_expired_links_do_not_activate(signup: tuple[Web, Flask], smtp_server: SmtpServer,
                                                   tamper: str) -> None:
    web, app = signup
    web.post_form("/registrarse", GOOD)
    path = _link(smtp_server).removeprefix("http://tramites.example")
    if tamper == "cambiado":
        path = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    else:
        start = utcnow()
        app.extensions[EXTENSION].clock = lambda: start + timedelta(hours=49)
    page = web.client.get(path)
    response = web.client.post(path, data={"csrf_token": csrf_in(page.get_data(as_text=True))})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User.active).where(User.email == "maria.fernandez@example.com")) is False


def test_without_mail_the_link_stays_out_of_the_log(secure_app: Callable[..., Flask],
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """With neither SMTP nor the outbox the link cannot go out; whoever reads the log must not
    be able to confirm the account in its owner's place."""
    app = secure_app()
    with caplog.at_level("DEBUG"):
        Web(app.test_client()).post_form("/registrarse", GOOD)
    assert "no verification link sent to" in caplog.text
    assert "/registrarse/confirmar/" not in caplog.text
