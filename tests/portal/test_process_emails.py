"""A procedure that writes to its applicant itself (a ``notificar/email`` service task, as the
habilitación does at its start and with its slip) is not doubled by the platform's own e-mail
of the same step: the applicant gets one e-mail per step, the procedure's. Their notifications
in the portal («Novedades») still list every change."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from connectors.notify.mail import plain_sender
from engine.db import utcnow
from engine.identity.accounts import ensure_user
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from engine.workflow import instances
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.fixtures.smtp import SmtpServer

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "portal" / "aviso_portal"


def _start(secure_app: Callable[..., Flask], smtp_server: SmtpServer, email: str) -> tuple[Flask, str]:
    """A case of «ana» (verified ana@example.com) whose form gives ``email``; the app and its number."""
    app = secure_app(PUBLIC_URL="http://tramites.example", send_email=plain_sender(smtp_server.settings()),
                     **smtp_server.settings())
    assert ApiClient(app, make_token(app, "avisos", "admin")).deploy(BUNDLE).status_code == 201
    with app.app_context(), unit_of_work():
        user, _ = ensure_user("ana", display_name="Ana Pérez", password=password_of("ana"), email="ana@example.com")
        user.email_verified_at = utcnow()
    smtp_server.clear()
    with app.app_context():
        ctx = app.extensions[EXTENSION_KEY].engine_context()
        with unit_of_work(ctx.after_commit):  # as a request does: the step's e-mails go out after it
            number = instances.start(ctx, "aviso_portal", {"email": email}, "ana").number
    return app, number


@pytest.mark.parametrize("email", ["ana@example.com", "Ana@Example.com"])
def test_the_applicant_gets_the_procedures_email_not_a_second_one_of_the_platform(
        secure_app: Callable[..., Flask], smtp_server: SmtpServer, email: str) -> None:
    app, number = _start(secure_app, smtp_server, email)
    smtp_server.wait_for(2)
    time.sleep(1)  # a third would have been handed over with the other two, at the commit
    subjects = sorted(m.message["Subject"] for m in smtp_server.received)
    assert len(subjects) == 2, subjects
    assert subjects[0].startswith(f"Iniciamos su trámite {number}")
    assert "necesita una acción" in subjects[1]
    web = Web(app.test_client())
    web.sign_in("ana", password_of("ana"))
    news = web.client.get("/novedades/").get_data(as_text=True)
    assert "Se emitió la boleta L-2026-000124" in news


def test_an_email_of_the_procedure_to_someone_else_leaves_the_applicants_own(
        secure_app: Callable[..., Flask], smtp_server: SmtpServer) -> None:
    _start(secure_app, smtp_server, "gestor@example.com")
    mails = smtp_server.wait_for(4)
    time.sleep(1)
    assert len(smtp_server.received) == 4
    assert sorted(m.rcpt_tos[0] for m in mails) == ["ana@example.com"] * 2 + ["gestor@example.com"] * 2
