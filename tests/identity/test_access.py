"""Every page of the fronts, walked with every role and signed out: the access table."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask

from engine.identity.access import is_marked
from portal.security import EXEMPT_PATHS, EXEMPT_PREFIXES
from tests.fixtures.identity import ROLE_USERS, Web, csrf_in, password_of
from tests.identity.access_tables import ANONYMOUS, ROLE_NAMES, tables

WHO = [ANONYMOUS, *ROLE_USERS]
_TABLES = tables()
# endpoint -> who may open it. A new page fails test_every_page_is_in_the_table until it is added
# to its front's file under access_tables/.
TABLE: dict[str, frozenset[str]] = {k: v for t in _TABLES for k, v in t.TABLE.items()}
SAMPLE_ARGS: dict[str, str] = {k: v for t in _TABLES for k, v in t.SAMPLE_ARGS.items()}
# What an allowed GET answers when it is not 200 (a sample argument that names nothing).
SERVED_GET: dict[str, int] = {k: v for t in _TABLES for k, v in t.SERVED_GET.items()}
# What an allowed POST answers when its sample argument names nothing (else: served, not refused).
SERVED_POST: dict[str, int] = {k: v for t in _TABLES for k, v in getattr(t, "SERVED_POST", {}).items()}


def _front_rules(app: Flask) -> list:
    return [r for r in app.url_map.iter_rules()
            if not (r.rule in EXEMPT_PATHS or r.rule.startswith(EXEMPT_PREFIXES) or r.endpoint == "static")]


def _url(rule: object) -> str:
    path = rule.rule  # type: ignore[attr-defined]
    for name in rule.arguments:  # type: ignore[attr-defined]
        path = re.sub(rf"<(?:\w+:)?{name}>", SAMPLE_ARGS[name], path)  # with or without a converter
    return path


def _client_for(app: Flask, who: str) -> Web:
    web = Web(app.test_client())
    if who != ANONYMOUS:
        web.sign_in(who, password_of(who))
    return web


def test_the_tables_name_the_role_users() -> None:
    assert set(ROLE_NAMES) == set(ROLE_USERS)


def test_every_page_is_in_the_table_and_marked(identity_app: Flask) -> None:
    endpoints = {r.endpoint for r in _front_rules(identity_app)}
    assert endpoints == set(TABLE)
    unmarked = [e for e in endpoints if not is_marked(identity_app.view_functions[e])]
    assert unmarked == []


@pytest.mark.parametrize("who", WHO)
def test_every_page_with_every_role(identity_app: Flask, who: str) -> None:
    web = _client_for(identity_app, who)
    token = csrf_in(web.client.get("/ingresar").get_data(as_text=True))
    seen = []
    # Signing out last, so every other page is tried while still signed in.
    for rule in sorted(_front_rules(identity_app), key=lambda r: r.endpoint == "auth.sign_out"):
        allowed = who in TABLE[rule.endpoint]
        url = _url(rule)
        if "GET" in rule.methods:
            status = web.client.get(url).status_code
            expected = SERVED_GET.get(rule.endpoint, 200) if allowed else (302 if who == ANONYMOUS else 403)
            seen.append((rule.endpoint, "GET", status, expected))
        if "POST" in rule.methods:
            status = web.client.post(url, data={"csrf_token": token}).status_code
            seen.append((rule.endpoint, "POST", status,
                         "denied" if not allowed else SERVED_POST.get(rule.endpoint, "served")))
    wrong = [s for s in seen if not _matches(who, s[2], s[3])]
    assert wrong == [], wrong


def _matches(who: str, status: int, expected: int | str) -> bool:
    if expected == "denied":
        return status == (401 if who == ANONYMOUS else 403)
    if expected == "served":
        return status not in (401, 403, 404, 405) and status < 500
    return status == expected


def test_anonymous_get_of_a_protected_page_offers_sign_in(identity_app: Flask) -> None:
    response = identity_app.test_client().get("/estudio/formularios/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/ingresar?siguiente=/estudio/formularios/"


def test_forbidden_page_is_spanish_and_safe(identity_app: Flask) -> None:
    web = _client_for(identity_app, "ciudadana")
    response = web.client.get("/estudio/formularios/")
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "no tiene permiso" in html and "Traceback" not in html


def test_external_sign_in_pages_are_public_and_fail_softly(secure_app: Callable[..., Flask]) -> None:
    import portal.oidc
    from tests.fixtures.require import free_port

    app = secure_app()
    portal.oidc.init_app(app, issuer=f"http://127.0.0.1:{free_port()}", client_id="x", client_secret="y")
    for endpoint in ("oidc.start", "oidc.callback"):
        assert is_marked(app.view_functions[endpoint])
    client = app.test_client()
    # Nobody answers at the issuer, and a callback without a state is refused: a Spanish page, no 500.
    for path in ("/ingresar/externo", "/ingresar/externo/vuelta?code=x&state=y"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "No se pudo ingresar con el proveedor externo" in response.get_data(as_text=True)
