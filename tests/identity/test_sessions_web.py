"""Sessions, cookies, CSRF and security headers through the web layer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.db import db, utcnow
from engine.identity.models import WebSession
from engine.identity.sessions import token_hash
from portal.security import EXTENSION, safe_next
from tests.fixtures.identity import Web, csrf_in, password_of


def _cookie(response: object, name: str = "tramites_sesion") -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]  # type: ignore[attr-defined]
    assert len(headers) == 1, headers
    return headers[0]


def test_sign_in_sets_a_fresh_http_only_lax_cookie_and_signs_out_server_side(web: Web, identity_app: Flask) -> None:
    page = web.client.get("/ingresar")
    anonymous = _cookie(page).split(";")[0].split("=", 1)[1]
    response = web.sign_in("mesa", password_of("mesa"))
    cookie = _cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    signed = cookie.split(";")[0].split("=", 1)[1]
    assert signed != anonymous  # rotated on sign-in
    with identity_app.app_context():
        assert db.session.get(WebSession, token_hash(anonymous)) is None
        assert db.session.get(WebSession, token_hash(signed)).user_id is not None
    assert web.client.get("/cuenta").status_code == 200
    assert web.sign_out().status_code == 302
    with identity_app.app_context():
        assert db.session.get(WebSession, token_hash(signed)) is None  # revoked, not only forgotten
    # Replaying the old cookie gets nothing.
    web.client.set_cookie("tramites_sesion", signed)
    assert web.client.get("/cuenta").status_code == 302


def test_a_token_planted_before_sign_in_is_worthless_after(web: Web) -> None:
    web.client.get("/ingresar")
    planted = web.client.get_cookie("tramites_sesion").value
    web.sign_in("ciudadana", password_of("ciudadana"))
    other = identity_client_with(web, planted)
    assert other.get("/cuenta").status_code == 302


def identity_client_with(web: Web, token: str) -> object:
    client = web.client.application.test_client()
    client.set_cookie("tramites_sesion", token)
    return client


def test_idle_sessions_expire(web: Web, identity_app: Flask) -> None:
    web.sign_in("mesa", password_of("mesa"))
    settings = identity_app.extensions[EXTENSION]
    start = utcnow()
    settings.clock = lambda: start + timedelta(minutes=29)
    assert web.client.get("/cuenta").status_code == 200  # activity moves the idle window
    settings.clock = lambda: start + timedelta(minutes=29 + 31)
    response = web.client.get("/cuenta")
    assert response.status_code == 302 and "/ingresar" in response.headers["Location"]
    assert "tramites_sesion=;" in _cookie(response)  # the browser is told to forget it


def test_idle_minutes_are_configurable(secure_app: Callable[..., Flask]) -> None:
    app = secure_app(idle_minutes=5)
    assert app.extensions[EXTENSION].session_policy.idle == timedelta(minutes=5)


def test_secure_cookie_behind_https(secure_app: Callable[..., Flask]) -> None:
    app = secure_app(PUBLIC_URL="https://tramites.smt.gob.ar")
    response = app.test_client().get("/ingresar")
    cookie = _cookie(response, "__Host-tramites")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("sent", ["none", "wrong", "other-session"])
def test_form_posts_need_the_session_csrf_token(web: Web, identity_app: Flask, sent: str) -> None:
    token = web.form_token("/ingresar")
    data = {"usuario": "mesa", "contrasena": password_of("mesa")}
    if sent == "wrong":
        data["csrf_token"] = token[:-2] + "xx"
    elif sent == "other-session":
        data["csrf_token"] = csrf_in(identity_app.test_client().get("/ingresar").get_data(as_text=True))
    response = web.client.post("/ingresar", data=data)
    assert response.status_code == 400
    assert "El formulario venció" in response.get_data(as_text=True)
    assert web.client.get("/cuenta").status_code == 302  # not signed in


def test_htmx_sends_the_token_in_a_header(web: Web) -> None:
    token = web.form_token("/ingresar")
    response = web.client.post("/ingresar", data={"usuario": "mesa", "contrasena": password_of("mesa")},
                               headers={"X-CSRF-Token": token})
    assert response.status_code == 302


def test_machine_paths_are_exempt_from_csrf(web: Web) -> None:
    # No token, no cookie: the webhook answers by its own rules (unknown connector), not 400 CSRF.
    response = web.client.post("/hooks/desconocido", data=b"{}", content_type="application/json")
    assert "El formulario venció" not in response.get_data(as_text=True)
    response = web.client.post("/api/v1/messages/pago", json={})
    assert response.status_code in (401, 403)


def test_security_headers_on_every_response(web: Web) -> None:
    for path in ("/", "/ingresar", "/no-existe", "/healthz", "/static/css/tramites.css"):
        response = web.client.get(path)
        response.close()  # static files are streamed
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pygeoapi_pages_get_their_own_policy(web: Web) -> None:
    response = web.client.get("/ogc/?f=html")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "https://unpkg.com" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_signed_in_pages_are_not_cached(web: Web) -> None:
    web.sign_in("mesa", password_of("mesa"))
    assert web.client.get("/cuenta").headers["Cache-Control"] == "private, no-store"


def test_anonymous_visits_to_public_pages_create_no_session(web: Web, identity_app: Flask) -> None:
    web.client.get("/")
    with identity_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebSession)) == 0


@pytest.mark.parametrize(("target", "kept"), [
    ("/cuenta", "/cuenta"), ("/estudio/formularios/?x=1", "/estudio/formularios/?x=1"),
    ("https://malo.example/", None), ("//malo.example/", None), ("/\\malo.example", None), ("cuenta", None),
    ("", None),
])
def test_only_local_paths_are_followed_after_sign_in(target: str, kept: str | None) -> None:
    assert safe_next(target) == kept


def test_sign_in_goes_back_to_the_page_asked_for(web: Web) -> None:
    first = web.client.get("/cuenta")
    assert first.status_code == 302
    assert first.headers["Location"].endswith("/ingresar?siguiente=/cuenta")
    token = web.form_token("/ingresar?siguiente=/cuenta")
    response = web.client.post("/ingresar", data={"usuario": "mesa", "contrasena": password_of("mesa"),
                                                  "siguiente": "/cuenta", "csrf_token": token})
    assert response.headers["Location"] == "/cuenta"


def test_a_view_marked_csrf_exempt_takes_posts_without_a_token(secure_app: Callable[..., Flask]) -> None:
    from flask import Blueprint

    from engine.identity.access import csrf_exempt, public

    bp = Blueprint("prueba", __name__)

    @bp.post("/comprobar")
    @public
    @csrf_exempt
    def check() -> str:
        return "ok"

    @bp.post("/cambiar")
    @public
    def change() -> str:
        return "cambiado"

    app = secure_app()
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.post("/comprobar").status_code == 200
    assert client.post("/cambiar").status_code == 400
