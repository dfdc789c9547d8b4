"""Sign-in through a real OpenID Connect provider (npm oidc-provider) on loopback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

import portal.oidc
from engine.db import db, utcnow
from engine.identity.accounts import User, ensure_user
from engine.identity.signin import external_user
from engine.uow import unit_of_work
from portal.security import EXTENSION
from tests.fixtures.oidc_provider import OidcProvider
from tests.portal.test_identity_browser import Visit

ISSUER = "https://id.example.gob.ar"


@pytest.mark.browser
def test_citizen_signs_in_with_the_external_provider(
        page: Any, secure_app: Callable[..., Flask], live_server: Callable[[Any], Any],
        oidc_provider: Callable[[str], OidcProvider]) -> None:
    app = secure_app()
    server = live_server(app)  # serving, but no request yet: the app can still be completed
    app.extensions[EXTENSION].public_url = server.url
    provider = oidc_provider(server.url + "/ingresar/externo/vuelta")
    portal.oidc.init_app(app, issuer=provider.issuer, client_id=provider.client_id,
                         client_secret=provider.client_secret)
    visit = Visit(page, server.url)
    page.goto(server.url + "/ingresar")
    visit.check()
    page.get_by_role("link", name="Ingresar con Mi Argentina").click()
    page.wait_for_url(provider.issuer + "/**")
    page.fill("input[name=login]", "maria")
    page.fill("input[name=password]", "cualquiera")
    page.click("button[type=submit]")
    page.wait_for_url(provider.issuer + "/**")
    page.click("button[type=submit]")  # the provider's consent
    page.wait_for_url(server.url + "/")
    assert page.get_by_role("link", name="Vecina maria").count() == 1, page.locator("header").inner_text()
    visit.check()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "maria@example.com"))
        assert (user.source, user.role_set, user.password_hash) == ("oidc", {"citizen"}, None)
        assert user.external_id == f"{provider.issuer} maria"


def test_external_accounts_link_only_to_citizens(app: Flask) -> None:
    now = utcnow()
    with app.app_context(), unit_of_work():
        ensure_user("vecina@example.com", display_name="Vecina", password="vecina-clave-1", email="vecina@example.com")
        ensure_user("admin", display_name="Admin", password="admin-clave-1", email="admin@smt.gob.ar", roles=("admin",))
        linked = external_user(ISSUER, "1", email="Vecina@example.com", email_verified=True, name="V", now=now)
        assert linked is not None and linked.username == "vecina@example.com"
        assert external_user(ISSUER, "1", email=None, email_verified=False, name="V", now=now) is linked
        # An administrator's address never opens their account from outside.
        assert external_user(ISSUER, "2", email="admin@smt.gob.ar", email_verified=True, name="A", now=now) is None
        # An unverified address is not trusted: a new account without it.
        other = external_user(ISSUER, "3", email="admin@smt.gob.ar", email_verified=False, name="Otro",
                              now=now + timedelta(seconds=1))
        assert other is not None and other.email is None and other.username.startswith("oidc-")
