"""Nobody learns from the sign-up or the password-reset forms which e-mails or documents have an
account, and neither form can be used to flood someone's mailbox."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask

from connectors.notify.mail import plain_sender
from tests.fixtures.identity import Web
from tests.fixtures.smtp import SmtpServer

NEW = {"nombre": "María Fernández", "email": "maria@example.com", "documento": "27-30123456-8",
       "contrasena": "caballo-correcto-bateria", "confirmacion": "caballo-correcto-bateria"}


@pytest.fixture
def web(secure_app: Callable[..., Flask], smtp_server: SmtpServer) -> Web:
    smtp_server.clear()
    app = secure_app(PUBLIC_URL="http://tramites.example", send_email=plain_sender(smtp_server.settings()))
    return Web(app.test_client())


def _answer(web: Web, fields: dict[str, str]) -> tuple[int, str | None, str]:
    response = web.post_form("/registrarse", fields)
    return response.status_code, response.headers.get("Location"), response.get_data(as_text=True)


def test_sign_up_with_a_taken_email_or_document_answers_as_for_a_new_one(web: Web, smtp_server: SmtpServer) -> None:
    first = _answer(web, NEW)
    smtp_server.wait_for(1)
    smtp_server.clear()
    taken_email = _answer(web, {**NEW, "documento": "20123456786"})
    taken_document = _answer(web, {**NEW, "email": "otra@example.com", "documento": "30.123.456"})
    assert taken_email == first and taken_document == first  # 302 to /registrarse/enviado, same body
    notices = smtp_server.wait_for(2)
    assert [m.rcpt_tos for m in notices] == [["maria@example.com"], ["maria@example.com"]]  # the owner, not otra@
    body = notices[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "Alguien intentó crear una cuenta" in body and "/ingresar" in body


def test_repeated_sign_ups_with_a_taken_email_do_not_flood_the_owner(web: Web, smtp_server: SmtpServer) -> None:
    _answer(web, NEW)
    smtp_server.wait_for(1)
    smtp_server.clear()
    for n in range(10):
        assert _answer(web, {**NEW, "documento": f"2012345{n:04d}"[:8]})[0] == 302
    smtp_server.wait_for(2)
    time.sleep(0.5)  # anything more would have arrived by now: the mail leaves before the answer
    assert len(smtp_server.received) == 2


def test_password_reset_requests_for_one_address_are_limited(web: Web, smtp_server: SmtpServer,
                                                             identity_app: Flask) -> None:
    answers = set()
    for _ in range(10):
        response = web.post_form("/contrasena/olvido", {"email": "mesa@example.com"})
        answers.add((response.status_code, response.get_data(as_text=True).count("Si hay una cuenta")))
    assert answers == {(200, 1)}  # the same answer every time
    smtp_server.wait_for(3)
    time.sleep(0.5)
    assert len(smtp_server.received) == 3
