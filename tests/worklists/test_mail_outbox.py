"""«Correo saliente»: without a mail server the e-mail is kept locally and the administrator reads it."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask

from connectors.notify.mailbox import Mailbox
from engine.db import utcnow
from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.browser import Visit
from tests.fixtures.identity import Web, password_of
from tests.portal.helpers import deploy, start_case
from worklists.mail_outbox import linked


def _app(secure_app: Callable[..., Flask]) -> Flask:
    # MAIL_OUTBOX as the embedded default sets it (no TRAMITES_SMTP_HOST): the tests' SECRET_KEY would say production
    app = secure_app(PUBLIC_URL="http://tramites.example", MAIL_OUTBOX="1")
    with app.app_context(), unit_of_work():
        ana, _ = ensure_user("ana", display_name="Ana Pérez", password=password_of("ana"), email="ana@example.com")
        ana.email_verified_at = utcnow()
        ensure_user("admin", display_name="Administración", password=password_of("admin"), roles=("admin",))
    return app


def _signed_in(app: Flask, username: str) -> Web:
    web = Web(app.test_client())
    web.sign_in(username, password_of(username))
    return web


def test_a_citizen_notification_is_kept_and_the_admin_reads_it_with_its_link(secure_app: Callable[..., Flask]) -> None:
    app = _app(secure_app)
    deploy(app)
    number = start_case(_signed_in(app, "ana"))

    admin = _signed_in(app, "admin")
    listing = admin.client.get("/administracion/correo/")
    page = listing.get_data(as_text=True)
    assert listing.status_code == 200, page[:2000]
    assert f"Iniciamos su trámite {number}" in page and "ana@example.com" in page
    name = re.search(r'href="/administracion/correo/([^"/]+\.eml)"', page)
    assert name is not None, page
    shown = admin.client.get(f"/administracion/correo/{name.group(1)}")
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200
    link = f"http://tramites.example/mis-tramites/{number}"
    assert f'<a href="{link}">{link}</a>' in body and "Hola, Ana Pérez" in body
    assert _signed_in(app, "ana").client.get("/administracion/correo/").status_code == 403
    assert admin.client.get("/administracion/correo/..%2Fsecret_key").status_code == 404


def test_a_name_that_is_not_a_kept_message_reads_nothing(tmp_path: object) -> None:
    box = Mailbox(str(tmp_path))
    message = EmailMessage()
    message["To"], message["Subject"] = "ana@example.com", "Prueba"
    message.set_content("Hola")
    kept = box.keep(message)
    assert [m.subject for m in box.messages()] == ["Prueba"] and box.message(kept) is not None
    assert box.message("../secret_key") is None and box.message(kept.replace(".eml", ".txt")) is None


def test_links_are_live_and_the_rest_is_escaped() -> None:
    shown = linked('Vea <b>esto</b>: https://tramites.example/mis-tramites/EX-1.\nGracias')
    assert str(shown) == ('Vea &lt;b&gt;esto&lt;/b&gt;: <a href="https://tramites.example/mis-tramites/EX-1">'
                          'https://tramites.example/mis-tramites/EX-1</a>.\nGracias')


@pytest.mark.browser
def test_the_outbox_pages_fit_a_phone_and_pass_axe(secure_app: Callable[..., Flask],
                                                   live_server: Callable[..., Any], page: Any) -> None:
    app = _app(secure_app)
    kept = EmailMessage()
    kept["To"], kept["Subject"] = "ana@example.com", "Iniciamos su trámite EX-2026-000001-SMT-PRU"
    kept.set_content("Hola, Ana:\n\nSígalo en http://tramites.example/mis-tramites/EX-2026-000001-SMT-PRU"
                     "?un-enlace-largo-que-no-debe-ensanchar-la-pagina-en-un-telefono=1\n")
    app.extensions["tramites"].tools.mailbox.keep(kept)
    base = live_server(app).url
    page.set_viewport_size({"width": 390, "height": 844})
    visit = Visit(page, base)
    page.goto(base + "/administracion/correo/")
    page.fill("#campo-usuario", "admin")
    page.fill("#campo-contrasena", password_of("admin"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**/administracion/correo/")
    visit.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name=str(kept["Subject"])).click()
    page.wait_for_selector(".mail-body a")
    visit.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
