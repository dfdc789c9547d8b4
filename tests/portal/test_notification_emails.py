"""E-mails of notifications through the notification connector (a real SMTP server on loopback)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from connectors.notify.mail import plain_sender
from engine.db import db, utcnow
from engine.identity.accounts import User, ensure_user
from engine.uow import unit_of_work
from tests.fixtures.identity import Web, password_of
from tests.fixtures.smtp import SmtpServer
from tests.portal.helpers import deploy, start_case


def _app(secure_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    app = secure_app(PUBLIC_URL="http://tramites.example", send_email=plain_sender(smtp_server.settings()),
                     **smtp_server.settings())
    with app.app_context(), unit_of_work():
        user, _ = ensure_user("ana", display_name="Ana Pérez", password=password_of("ana"), email="ana@example.com")
        user.email_verified_at = utcnow()
        ensure_user("sin_verificar", display_name="Beto", password=password_of("sin_verificar"),
                    email="beto@example.com")
    return app


def test_each_change_that_concerns_the_citizen_sends_one_email(secure_app: Callable[..., Flask],
                                                               smtp_server: SmtpServer) -> None:
    app = _app(secure_app, smtp_server)
    api = deploy(app)
    smtp_server.clear()
    web = Web(app.test_client())
    web.sign_in("ana", password_of("ana"))
    number = start_case(web)
    started = smtp_server.wait_for(1)
    assert started[0].rcpt_tos == ["ana@example.com"]
    assert started[0].message["Subject"] == f"Iniciamos su trámite {number}: Solicitud de prueba del portal"
    body = started[0].message.get_body(preferencelist=("plain",)).get_content()
    assert f"http://tramites.example/mis-tramites/{number}" in body
    # Staff (over REST) ask for a correction: one more e-mail, none for their own step.
    instance_id = next(i["id"] for i in api.get("/api/v1/instances").get_json()["items"] if i["number"] == number)
    task = api.ready_task(instance_id, "revisar")
    assert api.complete(task["id"], {"completo": False}).status_code == 200
    received = smtp_server.wait_for(2)
    assert len(received) == 2 and "necesita una acción de su parte" in received[1].message["Subject"]
    assert "Corregir la solicitud" in received[1].message.get_body(preferencelist=("plain",)).get_content()
    assert api.post(f"/api/v1/instances/{instance_id}:terminate", json={"reason": "duplicado"}).status_code == 200
    finished = smtp_server.wait_for(3)
    assert len(finished) == 3 and finished[2].message["Subject"].startswith(f"Finalizó su trámite {number}")


def test_an_unverified_address_gets_no_email(secure_app: Callable[..., Flask], smtp_server: SmtpServer) -> None:
    app = _app(secure_app, smtp_server)
    deploy(app)
    smtp_server.clear()
    web = Web(app.test_client())
    web.sign_in("sin_verificar", password_of("sin_verificar"))
    start_case(web)
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at).where(User.username == "sin_verificar")) is None
    verified = Web(app.test_client())
    verified.sign_in("ana", password_of("ana"))
    start_case(verified)
    assert [r.rcpt_tos for r in smtp_server.wait_for(1)] == [["ana@example.com"]]


def test_the_email_is_written_with_the_change_and_survives_a_lost_hand_over(secure_app: Callable[..., Flask],
                                                                            smtp_server: SmtpServer) -> None:
    from datetime import timedelta

    from engine.background.runner import BackgroundRunner
    from engine.runtime import EXTENSION_KEY
    from engine.workflow import outbox
    from engine.workflow.outbox import OutboxMessage

    app = _app(secure_app, smtp_server)
    deploy(app)
    smtp_server.clear()
    runtime = app.extensions[EXTENSION_KEY]
    runtime.dispatch = lambda message_id: None  # the process dies right after its commit
    web = Web(app.test_client())
    web.sign_in("ana", password_of("ana"))
    number = start_case(web)
    with app.app_context():
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.status == "pending" and message.params["datos"]["numero"] == number
    assert smtp_server.received == []
    runtime.dispatch = None
    now = runtime.clock()
    runtime.clock = lambda: now + timedelta(seconds=outbox.HANDOVER_SECONDS + 1)
    assert BackgroundRunner(app.app_context, runtime.engine_context).run_once() == 1
    assert smtp_server.wait_for(1)[0].message["Subject"].startswith(f"Iniciamos su trámite {number}")
