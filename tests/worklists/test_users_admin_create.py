"""An administrator creates a local account: the new person chooses the password through a link."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from connectors.notify.mail import plain_sender
from engine.db import db
from engine.identity.accounts import User
from engine.models import AuditEvent
from portal.security import EXTENSION
from tests.fixtures.browser import Visit
from tests.fixtures.identity import Web, csrf_in, password_of, with_role_users
from tests.fixtures.smtp import SmtpServer

LINK = re.compile(r"http://tramites\.example(/contrasena/nueva/\S+)")
NEW = "/administracion/usuarios/nueva"
CHOSEN = "caballo-correcto-bateria"
JUAN = {"usuario": "jperez", "nombre": "Juan Pérez", "correo": "jperez@smt.gob.ar", "roles": "staff",
        "grupos": "mesa_entradas"}


def _app(secure_app: Callable[..., Flask], **settings: Any) -> Flask:
    return with_role_users(secure_app(PUBLIC_URL="http://tramites.example", **settings))


@pytest.fixture
def mailed(secure_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    smtp_server.clear()
    return _app(secure_app, send_email=plain_sender(smtp_server.settings()))


def _signed_in(app: Flask, username: str = "admin") -> Web:
    web = Web(app.test_client())
    web.sign_in(username, password_of(username))
    return web


def _user(app: Flask, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            db.session.expunge(user)
        return user


def test_the_new_person_chooses_the_password_through_the_mailed_link(mailed: Flask, smtp_server: SmtpServer) -> None:
    admin = _signed_in(mailed)
    assert 'href="/administracion/usuarios/nueva"' in admin.client.get("/administracion/usuarios/").get_data(
        as_text=True)
    form = admin.client.get(NEW).get_data(as_text=True)
    assert 'type="password"' not in form and "Mesa de Entradas" in form  # no password field; groups by their name
    created = admin.post_form(NEW, JUAN)
    assert created.status_code == 303 and created.headers["Location"].endswith("/administracion/usuarios/jperez")
    shown = admin.client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Le enviamos a jperez@smt.gob.ar un enlace para elegir su contraseña" in shown
    juan = _user(mailed, "jperez")
    assert juan is not None and juan.password_hash is None and juan.source == "local"
    assert (juan.display_name, juan.role_set, [g.name for g in juan.groups]) == (
        "Juan Pérez", {"staff"}, ["mesa_entradas"])
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["jperez@smt.gob.ar"] and received.message["Subject"] == "Su cuenta en Trámites SMT"
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    assert "«jperez»" in text
    found = LINK.search(text)
    assert found
    Web(mailed.test_client()).sign_in("jperez", CHOSEN, expect=400)  # no password yet: nobody gets in
    person = Web(mailed.test_client())
    page = person.client.get(found.group(1))
    assert page.status_code == 200
    done = person.client.post(found.group(1), data={"csrf_token": csrf_in(page.get_data(as_text=True)),
                                                    "contrasena": CHOSEN, "confirmacion": CHOSEN})
    assert done.status_code == 200
    person.sign_in("jperez", CHOSEN)
    assert person.client.get("/bandeja/").status_code == 200
    with mailed.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "account_created")).all()
        assert event.actor == "admin"
        assert event.data == {"username": "jperez", "roles": ["staff"], "groups": ["mesa_entradas"], "active": True}


def test_after_three_days_the_link_is_spent_and_the_person_asks_for_another(mailed: Flask,
                                                                           smtp_server: SmtpServer) -> None:
    assert _signed_in(mailed).post_form(NEW, JUAN).status_code == 303
    [welcome] = smtp_server.wait_for(1)
    found = LINK.search(welcome.message.get_body(preferencelist=("plain",)).get_content())
    assert found
    person = Web(mailed.test_client())
    settings = mailed.extensions[EXTENSION]
    now = settings.clock()
    settings.clock = lambda: now + timedelta(days=2)
    assert person.client.get(found.group(1)).status_code == 200  # a weekend later it still works
    settings.clock = lambda: now + timedelta(days=3, minutes=1)
    expired = person.client.get(found.group(1))
    assert expired.status_code == 400 and "«¿Olvidó su contraseña?»" in expired.get_data(as_text=True)
    assert person.post_form("/contrasena/olvido", {"email": "jperez@smt.gob.ar"}).status_code == 200
    again = smtp_server.wait_for(2)[1]
    assert again.rcpt_tos == ["jperez@smt.gob.ar"]  # an account without a password yet gets a reset link too
    assert LINK.search(again.message.get_body(preferencelist=("plain",)).get_content())


def test_the_link_goes_to_the_embedded_outbox_the_admin_reads(secure_app: Callable[..., Flask]) -> None:
    app = _app(secure_app, MAIL_OUTBOX="1")
    admin = _signed_in(app)
    assert admin.post_form(NEW, JUAN).status_code == 303
    outbox = admin.client.get("/administracion/correo/").get_data(as_text=True)
    assert "jperez@smt.gob.ar" in outbox and "Su cuenta en Trámites SMT" in outbox


def test_without_mail_the_account_is_made_and_the_admin_is_told(secure_app: Callable[..., Flask],
                                                                caplog: pytest.LogCaptureFixture) -> None:
    app = _app(secure_app)
    app.extensions["tramites"].send_email = None
    admin = _signed_in(app)
    with caplog.at_level("DEBUG"):
        created = admin.post_form(NEW, JUAN)
    assert created.status_code == 303
    shown = admin.client.get(created.headers["Location"]).get_data(as_text=True)
    assert "no se pudo enviar el correo con el enlace" in shown
    assert "/contrasena/nueva/" not in caplog.text  # the link opens the account: never in a log


def test_when_the_mail_failed_the_admin_sends_the_link_again(mailed: Flask, smtp_server: SmtpServer) -> None:
    runtime = mailed.extensions["tramites"]
    sender, runtime.send_email = runtime.send_email, None
    admin = _signed_in(mailed)
    created = admin.post_form(NEW, JUAN)
    shown = admin.client.get(created.headers["Location"]).get_data(as_text=True)
    assert "no se pudo enviar el correo con el enlace" in shown and "Todavía no la eligió." in shown
    runtime.send_email = sender
    again = admin.post_form("/administracion/usuarios/jperez/enlace", {}, token_from="/administracion/usuarios/jperez")
    assert again.status_code == 303
    assert "Le enviamos a jperez@smt.gob.ar un nuevo enlace" in admin.client.get(again.headers["Location"]).get_data(
        as_text=True)
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["jperez@smt.gob.ar"]
    assert LINK.search(received.message.get_body(preferencelist=("plain",)).get_content())
    with mailed.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "account_link_sent")).all()
        assert (event.actor, event.data) == ("admin", {"username": "jperez"})
    refused = admin.post_form("/administracion/usuarios/mesa/enlace", {}, token_from="/administracion/usuarios/mesa")
    assert refused.status_code == 409 and "ya la eligió" in refused.get_data(as_text=True)
    assert "Enviar de nuevo el enlace" not in admin.client.get("/administracion/usuarios/mesa").get_data(as_text=True)
    mesa = _signed_in(mailed, "mesa")
    token = csrf_in(mesa.client.get("/cuenta").get_data(as_text=True))
    assert mesa.client.post("/administracion/usuarios/jperez/enlace", data={"csrf_token": token}).status_code == 403
    assert len(smtp_server.received) == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"usuario": "mesa"}, "usuario", "Ya existe una cuenta con ese nombre de usuario."),
    ({"usuario": "MESA"}, "usuario", "Ya existe una cuenta con ese nombre de usuario."),
    ({"usuario": "nueva"}, "usuario", "Escriba un nombre de usuario de 2 a 64 caracteres"),
    ({"usuario": "juan pérez"}, "usuario", "Escriba un nombre de usuario de 2 a 64 caracteres"),
    ({"correo": "MESA@example.com"}, "correo", "Ese correo ya es de otra cuenta."),
    ({"correo": "no-es-un-correo"}, "correo", "Escriba un correo electrónico válido"),
    ({"correo": ""}, "correo", "Escriba el correo"),
    ({"nombre": "  "}, "nombre", "Escriba el nombre y apellido"),
    ({"roles": ""}, "roles", "Elija al menos un rol de la lista."),
    ({"roles": "superusuario"}, "roles", "Elija al menos un rol de la lista."),
    ({"grupos": "grupo_inventado"}, "grupos", "Elija grupos de la lista."),
])
def test_bad_data_is_refused_next_to_its_field_and_nothing_is_made(
        mailed: Flask, smtp_server: SmtpServer, changes: dict[str, str], field: str, message: str) -> None:
    admin = _signed_in(mailed)
    refused = admin.post_form(NEW, {**JUAN, **changes})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    error = re.search(rf'<span class="error" id="e-{field}">([^<]+)</span>', html)
    assert error and message in error.group(1)
    assert 'value="Juan Pérez"' in html or "nombre" in changes  # what was typed stays
    with mailed.app_context():
        assert db.session.scalar(select(User).where(User.username == "jperez")) is None
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.type == "account_created")) is None
    assert smtp_server.received == []


@pytest.mark.parametrize("who", ["mesa", "supervisora", "analista", "auditor", "ciudadana"])
def test_only_administrators_create_accounts(mailed: Flask, who: str) -> None:
    web = _signed_in(mailed, who)
    assert web.client.get(NEW).status_code == 403
    token = csrf_in(web.client.get("/cuenta").get_data(as_text=True))
    assert web.client.post(NEW, data={**JUAN, "csrf_token": token}).status_code == 403
    assert _user(mailed, "jperez") is None


def test_anonymous_and_forged_posts_create_nothing(mailed: Flask) -> None:
    anonymous = mailed.test_client()
    assert anonymous.get(NEW).status_code == 302
    admin = _signed_in(mailed)
    assert admin.client.post(NEW, data=JUAN).status_code == 400  # no CSRF token
    assert _user(mailed, "jperez") is None


def test_with_a_directory_the_page_says_staff_come_from_it(secure_app: Callable[..., Flask]) -> None:
    app = _app(secure_app, LDAP_URL="ldap://127.0.0.1:9")
    html = _signed_in(app).client.get(NEW).get_data(as_text=True)
    assert "ingresa con su usuario del directorio de personal (LDAP)" in html
    plain = _app(secure_app)
    assert "directorio de personal (LDAP)" not in _signed_in(plain).client.get(NEW).get_data(as_text=True)


@pytest.mark.browser
def test_creating_an_account_on_a_phone(mailed: Flask, smtp_server: SmtpServer, live_server: Callable[..., Any],
                                        page: Any) -> None:
    base = live_server(mailed).url
    page.set_viewport_size({"width": 390, "height": 844})
    visit = Visit(page, base)
    page.goto(base + NEW)
    page.fill("#campo-usuario", "admin")
    page.fill("#campo-contrasena", password_of("admin"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url("**" + NEW)
    visit.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#n-usuario", "mesa")
    page.fill("#n-nombre", "Juan Pérez")
    page.fill("#n-correo", "jperez@smt.gob.ar")
    page.get_by_label("Mesa de Entradas").check()
    page.click("main button:has-text('Crear la cuenta')")
    page.wait_for_selector("#e-usuario")
    visit.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#n-usuario", "jperez")
    page.click("main button:has-text('Crear la cuenta')")
    page.wait_for_url("**/administracion/usuarios/jperez")
    visit.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert "Le enviamos a jperez@smt.gob.ar" in page.inner_text("main")
    assert len(smtp_server.wait_for(1)) == 1
