"""A slip to pay is news: «Novedades», one e-mail per slip, and a pending action with its link."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from connectors.notify.mail import plain_sender
from engine.casefile import payment
from engine.db import db, utcnow
from engine.identity.accounts import ensure_user
from engine.models import AuditEvent
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from engine.workflow import instances
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.fixtures.smtp import SmtpServer

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "portal" / "pago_portal"
SLIP_URL = "http://gaf.example/boletas/L-2026-000123"


def _waiting_for_payment(secure_app: Callable[..., Flask], smtp_server: SmtpServer) -> tuple[Flask, str, str]:
    """The app, and a case of «ana» (verified e-mail) that waits for its slip to be paid: (number, id)."""
    app = secure_app(PUBLIC_URL="http://tramites.example", send_email=plain_sender(smtp_server.settings()),
                     **smtp_server.settings())
    assert ApiClient(app, make_token(app, "pagos", "admin")).deploy(BUNDLE).status_code == 201
    with app.app_context(), unit_of_work():
        user, _ = ensure_user("ana", display_name="Ana Pérez", password=password_of("ana"), email="ana@example.com")
        user.email_verified_at = utcnow()
    smtp_server.clear()
    with app.app_context(), unit_of_work():
        instance = instances.start(app.extensions[EXTENSION_KEY].engine_context(), "pago_portal", {}, "ana")
        return app, instance.number, instance.id


def test_a_slip_issued_is_news_an_email_and_a_pending_payment(secure_app: Callable[..., Flask],
                                                              smtp_server: SmtpServer) -> None:
    app, number, instance_id = _waiting_for_payment(secure_app, smtp_server)
    mails = smtp_server.wait_for(2)
    [slip_mail] = [m for m in mails if "necesita una acción" in m.message["Subject"]]
    body = slip_mail.message.get_body(preferencelist=("plain",)).get_content()
    assert "L-2026-000123" in body and "$ 12.345,67" in body and "21/12/2026" in body and SLIP_URL in body
    web = Web(app.test_client())
    web.sign_in("ana", password_of("ana"))
    news = web.client.get("/novedades/").get_data(as_text=True)
    assert "Se emitió la boleta L-2026-000123 por $ 12.345,67, vence el 21/12/2026" in news
    case = web.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    assert f'<a href="{SLIP_URL}">Pagar la boleta L-2026-000123</a>: $ 12.345,67, vence el 21/12/2026' in case
    listed = web.client.get("/mis-tramites/").get_data(as_text=True)
    assert f'href="{SLIP_URL}"' in listed and "$ 12.345,67" in listed and "21/12/2026" in listed
    # The same slip is announced once, however often the case is saved while it waits.
    with app.app_context(), unit_of_work():
        assert payment.announce_new_slips(instances.get(instance_id), ["pago_confirmado"], "sistema") == []
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.type == payment.SLIP_ISSUED)) == 1
    assert len(smtp_server.wait_for(2)) == 2
