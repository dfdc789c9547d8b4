"""Optional sign-in with an external OpenID Connect provider (the national "Mi Argentina" kind).

Configured by issuer URL, client id and secret (``TRAMITES_OIDC_ISSUER``, ``_CLIENT_ID``,
``_CLIENT_SECRET``); the authorization code flow with PKCE and a nonce, through Authlib. Only
citizens sign in this way; the state and nonce travel in Flask's signed session cookie for
the few seconds of the round trip.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.identity.access import public
from engine.identity.signin import external_user
from engine.uow import unit_of_work
from portal import security

bp = Blueprint("oidc", __name__)
security.install_errors(bp)
log = logging.getLogger(__name__)
EXTENSION = "tramites_oidc"


def init_app(app: Flask, *, issuer: str, client_id: str, client_secret: str, name: str = "Mi Argentina") -> None:
    """Offer "Ingresar con <name>" on the sign-in page; call after :func:`portal.security.init_app`."""
    from authlib.integrations.flask_client import OAuth  # only a platform that offers this sign-in loads Authlib

    oauth = OAuth(app)
    oauth.register(
        "proveedor", client_id=client_id, client_secret=client_secret,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )
    app.extensions[EXTENSION] = {"client": oauth.proveedor, "issuer": issuer.rstrip("/"), "name": name}
    app.register_blueprint(bp)


def _refusals() -> tuple[type[Exception], ...]:
    """What a failed exchange with the provider raises (Authlib is loaded once init_app ran)."""
    from authlib.integrations.base_client.errors import OAuthError

    return OAuthError, OSError, ValueError


def _client() -> Any:
    return current_app.extensions[EXTENSION]["client"]


@bp.get("/ingresar/externo")
@public
def start() -> ResponseReturnValue:
    """Send the browser to the provider's sign-in page."""
    callback = security.settings().public_url.rstrip("/") + url_for("oidc.callback")
    try:
        return _client().authorize_redirect(callback)
    except _refusals() as e:
        log.warning("OpenID Connect provider unavailable: %s", e)
        return _failed()


@bp.get("/ingresar/externo/vuelta")
@public
def callback() -> ResponseReturnValue:
    """The provider sends the browser back here with a code; exchange it and sign in."""
    try:
        claims = _claims()
    except _refusals() as e:
        log.warning("OpenID Connect sign-in refused: %s", e)
        return _failed()
    with unit_of_work():
        user = external_user(current_app.extensions[EXTENSION]["issuer"], str(claims["sub"]),
                             email=claims.get("email"), email_verified=bool(claims.get("email_verified")),
                             name=claims.get("name"), now=security.settings().clock())
        if user is not None:
            security.start_session(user)
    if user is None:
        return _failed(_("Esa cuenta no puede ingresar por este medio. Ingrese con su usuario y contraseña."))
    return redirect(url_for("home.index"))


def _claims() -> dict[str, Any]:
    """The ID token's claims, completed from the userinfo endpoint (many providers keep the
    e-mail and name there); the userinfo must be about the same subject.

    :raises ValueError: when the provider answers about no one or someone else.
    """
    token = _client().authorize_access_token()
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise ValueError("the ID token names no subject")
    if not claims.get("email") or not claims.get("name"):
        extra = dict(_client().userinfo(token=token))
        if extra.get("sub") != claims["sub"]:
            raise ValueError("the userinfo is about another subject")
        claims = {**extra, **claims}
    return claims


def _failed(message: str | None = None) -> ResponseReturnValue:
    text = message or _("No se pudo ingresar con el proveedor externo. Intente de nuevo o use su contraseña.")
    return render_template("auth/signin.html", error=text, login="", siguiente=None), 400
