"""Sign-in with local accounts, throttling across workers, and staff from a real slapd."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from connectors.ldap_ import DirectoryConnector
from engine.db import db, utcnow
from engine.identity.accounts import User, ensure_user
from engine.identity.models import SigninThrottle
from engine.uow import unit_of_work
from portal.security import EXTENSION
from tests.fixtures.identity import Web, password_of
from tests.fixtures.services import LdapDirectory


def _text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("login", ["mesa", "MESA", "mesa@example.com", " Mesa@Example.com "])
def test_local_users_sign_in_by_name_or_email(web: Web, login: str) -> None:
    web.sign_in(login, password_of("mesa"))
    assert "Mesa" in _text(web.client.get("/cuenta"))


@pytest.mark.parametrize(("login", "password"), [("mesa", "otra-clave-cualquiera"), ("nadie", "x"),
                                                 ("mesa", ""), ("", "")])
def test_wrong_credentials_get_one_message(web: Web, login: str, password: str) -> None:
    response = web.sign_in(login, password, expect=400)
    assert "Usuario o contraseña incorrectos." in _text(response)
    assert 'lang="es-AR"' in _text(response)


def test_inactive_accounts_are_told_after_a_right_password_only(web: Web, identity_app: Flask) -> None:
    with identity_app.app_context(), unit_of_work():
        user, _ = ensure_user("pendiente@example.com", display_name="Pendiente", password="pendiente-clave-1",
                              email="pendiente@example.com")
        user.active = False
    assert "todavía no está activa" in _text(web.sign_in("pendiente@example.com", "pendiente-clave-1", expect=403))
    assert "incorrectos" in _text(web.sign_in("pendiente@example.com", "otra-clave-mala", expect=400))


def test_deactivating_a_user_ends_their_sessions(web: Web, identity_app: Flask) -> None:
    web.sign_in("mesa", password_of("mesa"))
    with identity_app.app_context(), unit_of_work():
        db.session.scalar(select(User).where(User.username == "mesa")).active = False
    assert web.client.get("/cuenta").status_code == 302


def test_guessing_locks_the_name_with_a_growing_window(web: Web, identity_app: Flask) -> None:
    for _ in range(5):
        web.sign_in("mesa", "adivinando-clave", expect=400)
    locked = web.sign_in("mesa", password_of("mesa"), expect=429)  # even the right password waits
    assert "Demasiados intentos" in _text(locked)
    settings = identity_app.extensions[EXTENSION]
    start = utcnow()
    settings.clock = lambda: start + timedelta(seconds=31)
    web.sign_in("mesa", "adivinando-otra", expect=400)  # a sixth failure: locked twice as long
    with identity_app.app_context():
        key = f"cuenta:{db.session.scalar(select(User.id).where(User.username == 'mesa'))}|ip:127.0.0.1"
        row = db.session.get(SigninThrottle, key)
        assert row.failures == 6
        assert row.locked_until - (start + timedelta(seconds=31)) == timedelta(seconds=60)
    settings.clock = lambda: start + timedelta(seconds=31 + 61)
    web.sign_in("mesa", password_of("mesa"))  # the right password after the window works and resets
    with identity_app.app_context():
        assert db.session.get(SigninThrottle, key) is None
        assert db.session.get(SigninThrottle, "ip:127.0.0.1").failures == 6


def test_the_lock_holds_across_workers(web: Web, identity_app: Flask, make_app: Callable[..., Flask]) -> None:

    other = make_app()  # a second process on the same database (create_app installs the security layer)
    for _ in range(5):
        web.sign_in("analista", "adivinando-clave", expect=400)
    Web(other.test_client()).sign_in("analista", password_of("analista"), expect=429)


def test_an_address_guessing_many_names_is_locked_too(web: Web, identity_app: Flask) -> None:
    for n in range(20):
        web.sign_in(f"usuario{n}", "adivinando-clave", expect=400)
    web.sign_in("admin", password_of("admin"), expect=429)
    with identity_app.app_context():
        names = db.session.scalars(select(SigninThrottle.key).where(SigninThrottle.key.like("usuario:%"))).all()
        assert len(names) == 20


# -- staff from the directory (real slapd) ----------------------------------------------------


@pytest.fixture
def staff_web(secure_app: Callable[..., Flask], slapd: LdapDirectory) -> tuple[Web, Flask]:
    directory = DirectoryConnector(slapd.connector_config())
    app = secure_app(authenticate_staff=directory.authenticate)
    with app.app_context(), unit_of_work():
        ensure_user("admin", display_name="Admin local", password=password_of("admin"), roles=("admin",))
    return Web(app.test_client()), app


def test_staff_sign_in_against_the_directory_and_get_a_shadow_user(staff_web: tuple[Web, Flask],
                                                                   slapd: LdapDirectory) -> None:
    web, app = staff_web
    web.sign_in("agomez", slapd.users["agomez"])
    assert "Ana Gómez" in _text(web.client.get("/cuenta"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "agomez"))
        assert (user.source, user.password_hash, user.email) == ("ldap", None, "agomez@smt.gob.ar")
        assert user.role_set == {"staff", "supervisor"}  # supervisores grants the supervisor role
        assert user.group_names == ["mesa_entradas", "supervisores"]
    web.sign_out()
    web.sign_in("agomez", slapd.users["agomez"])  # the second time reuses the shadow
    with app.app_context():
        assert len(db.session.scalars(select(User).where(User.username == "agomez")).all()) == 1


def test_wrong_directory_password_is_a_failure_and_counts(staff_web: tuple[Web, Flask]) -> None:
    web, app = staff_web
    web.sign_in("jperez", "no-es-la-clave", expect=400)
    with app.app_context():
        assert db.session.get(SigninThrottle, "usuario:jperez|ip:127.0.0.1").failures == 1
        assert db.session.scalar(select(User).where(User.username == "jperez")) is None


def test_local_break_glass_admin_is_never_taken_by_the_directory(staff_web: tuple[Web, Flask]) -> None:
    web, _app = staff_web
    web.sign_in("admin", password_of("admin"))
    assert "Admin local" in _text(web.client.get("/cuenta"))


def test_directory_down_is_a_clear_503(secure_app: Callable[..., Flask]) -> None:
    from tests.fixtures.require import free_port

    directory = DirectoryConnector({"LDAP_URL": f"ldap://127.0.0.1:{free_port()}", "LDAP_BASE_DN": "dc=x",
                                    "LDAP_TIMEOUT": 1})
    app = secure_app(authenticate_staff=directory.authenticate)
    response = Web(app.test_client()).sign_in("jperez", "cualquier-clave", expect=503)
    assert "no responde" in _text(response)
