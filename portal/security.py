"""The web fronts' security layer: server-side sessions, CSRF, page access and headers.

``init_app`` registers it on an app that ``create_app`` built; the fronts' views only carry
the markers of :mod:`engine.identity.access`. Paths of machines (``/api/``, ``/hooks/``),
of pygeoapi (``/ogc``), of the GAF sandbox and static files are left to their own rules
(bearer tokens, signatures), but still get the security headers.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from engine.db import db, utcnow
from engine.errors import EngineError
from engine.identity import sessions
from engine.identity.access import access_of, allows, is_csrf_exempt
from engine.identity.accounts import User
from engine.identity.models import WebSession
from engine.identity.signin import DEFAULT_ROLE_GROUPS, AuthenticateStaff, user_by_id
from engine.identity.throttle import ThrottlePolicy
from engine.settings import DEFAULT_PUBLIC_URL, MapTiles
from engine.uow import unit_of_work
from engine.web.client import Network, client_address

log = logging.getLogger(__name__)
EXTENSION = "tramites_identity"
EXEMPT_PREFIXES = ("/api/", "/open311/", "/hooks/", "/ogc", "/static/", "/_sandbox/")
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FRONT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
             "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# pygeoapi's HTML pages load Leaflet and friends from CDNs and use inline scripts.
CDNS = "https://unpkg.com https://cdnjs.cloudflare.com https://cdn.jsdelivr.net"
OGC_CSP = (f"default-src 'self'; script-src 'self' 'unsafe-inline' {CDNS}; "
           f"style-src 'self' 'unsafe-inline' {CDNS} https://fonts.googleapis.com; img-src 'self' data: https:; "
           "font-src 'self' https://fonts.gstatic.com; connect-src 'self'; object-src 'none'; base-uri 'self'; "
           "frame-ancestors 'none'")


def front_csp(tiles_origin: str | None) -> str:
    """The fronts' policy, with the map tiles' origin added to ``img-src`` (images only).

    On every page, not only those with a map: forms with a map are drawn by many views
    (start, tasks, the worklist, the preview, their htmx answers), and an image source
    cannot run code or read the page.
    """
    if not tiles_origin:
        return FRONT_CSP
    return FRONT_CSP.replace("img-src 'self' data:;", f"img-src 'self' data: {tiles_origin};", 1)


SendEmail = Callable[[str, str, str], Any]


@dataclass
class IdentitySettings:
    """What the security layer needs, fixed by :func:`init_app` (tests may change ``clock``)."""

    authenticate_staff: AuthenticateStaff | None = None
    send_email: SendEmail | None = None
    session_policy: sessions.Policy = field(default_factory=sessions.Policy)
    throttle_policy: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    role_groups: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ROLE_GROUPS))
    secure: bool = False
    cookie_name: str = "tramites_sesion"
    #: Where links point when set (tests point them at their server); ``None`` = ``PUBLIC_URL``.
    fixed_public_url: str | None = None
    clock: Callable[[], datetime] = utcnow
    map_tiles: MapTiles | None = None  # TRAMITES_MAP_TILES_URL: form-map.js reads it, the CSP allows it
    csp: str = FRONT_CSP
    trusted_proxies: tuple[Network, ...] = ()

    @property
    def public_url(self) -> str:
        """The base of the links in e-mails, read at each use: it follows the address being served."""
        tramites = current_app.config.get("TRAMITES") or {}
        return self.fixed_public_url or str(tramites.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL)

    @public_url.setter
    def public_url(self, value: str) -> None:
        self.fixed_public_url = value


def init_app(app: Flask, *, authenticate_staff: AuthenticateStaff | None = None,
             send_email: SendEmail | None = None, role_groups: Mapping[str, str] | None = None,
             idle_minutes: int | None = None, trusted_proxies: Sequence[Network] = ()) -> IdentitySettings:
    """Install sessions, CSRF, access checks and headers on ``app`` (the sign-in pages are ``portal.auth``).

    :param authenticate_staff: the directory's ``(username, password) -> person or None``.
    :param send_email: ``(to, subject, body)``, for the sign-up verification link.
    :param role_groups: directory group -> extra role; defaults to ``DEFAULT_ROLE_GROUPS``.
    :param idle_minutes: idle expiry; default ``TRAMITES["SESSION_IDLE_MINUTES"]`` or 30.
    :param trusted_proxies: the reverse proxies whose ``X-Forwarded-For`` names the client.
    """
    tramites = app.config.get("TRAMITES") or {}
    secure = str(tramites.get("PUBLIC_URL") or "").startswith("https://")
    idle = int(idle_minutes or tramites.get("SESSION_IDLE_MINUTES") or 30)
    found = IdentitySettings(
        authenticate_staff=authenticate_staff, send_email=send_email,
        session_policy=sessions.Policy(idle=timedelta(minutes=idle)),
        role_groups=dict(DEFAULT_ROLE_GROUPS if role_groups is None else role_groups),
        secure=secure, cookie_name="__Host-tramites" if secure else "tramites_sesion",
        trusted_proxies=tuple(trusted_proxies),
    )
    tiles = tramites.get("MAP_TILES_URL")
    if isinstance(tiles, MapTiles):
        found.map_tiles, found.csp = tiles, front_csp(tiles.origin)
    app.extensions[EXTENSION] = found
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure)
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.context_processor(_template_context)
    return found


def settings() -> IdentitySettings:
    """The settings :func:`init_app` stored on the current app."""
    found: IdentitySettings = current_app.extensions[EXTENSION]
    return found


def current_user() -> User | None:
    """The signed-in user of this request, or ``None``."""
    user: User | None = g.get("current_user")
    return user


def client_ip() -> str | None:
    """The client's address: the connection's, or what a trusted proxy says it forwards."""
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), settings().trusted_proxies)


def current_session() -> WebSession | None:
    """The server-side session of this request, or ``None``."""
    found: WebSession | None = g.get("web_session")
    return found


def _exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


def _before_request() -> ResponseReturnValue | None:
    if _exempt(request.path):
        return None
    _load_session()
    if request.method in UNSAFE_METHODS and _csrf_checked() and not _csrf_ok():
        return _error_page(400, _("El formulario venció o no vino de esta página. Cárguelo de nuevo y reintente."))
    return _check_access()


def _load_session() -> None:
    config = settings()
    now = config.clock()
    token = request.cookies.get(config.cookie_name)
    with unit_of_work():
        row = sessions.load(token, now, config.session_policy)
        user = user_by_id(row.user_id) if row is not None and row.user_id else None
        if row is not None and row.user_id and user is None:
            sessions.revoke(row)  # the account was removed or deactivated meanwhile
            row = None
        if row is not None:
            sessions.touch(row, now)
    if token and row is None:
        g.clear_session_cookie = True
    g.web_session, g.current_user = row, user


def _csrf_checked() -> bool:
    if request.endpoint is None:
        return False  # no such page: Flask answers 404 or 405
    return not is_csrf_exempt(current_app.view_functions.get(request.endpoint))


def _csrf_ok() -> bool:
    row = current_session()
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    return row is not None and bool(sent) and hmac.compare_digest(sent.encode(), row.csrf_token.encode())


def _check_access() -> ResponseReturnValue | None:
    if request.endpoint is None:
        return None  # no such page: Flask answers 404
    user = current_user()
    if may_open_view(current_app.view_functions.get(request.endpoint), user):
        return None
    if user is None:
        if request.method == "GET":
            return redirect(url_for("auth.sign_in", siguiente=request.full_path.rstrip("?")))
        return _error_page(401, _("Ingrese con su cuenta para continuar."))
    return _error_page(403, _("Su cuenta no tiene permiso para ver esta página."))


def may_open_view(view: Any, user: User | None) -> bool:
    """The page rule marked on ``view``, applied to ``user`` (``None``: nobody signed in)."""
    if user is None:
        return allows(access_of(view), None)
    return allows(access_of(view), user.role_set, user.group_names)


def may_open(endpoint: str) -> bool:
    """Whether the signed-in person may open the page: menus show only the links that work."""
    view = current_app.view_functions.get(endpoint)
    return view is not None and may_open_view(view, current_user())


def install_errors(bp: Blueprint) -> None:
    """Show the engine's refusals on ``bp``'s pages (a missing case, a store that does not
    answer…) as the portal's Spanish error page, with their status."""
    bp.register_error_handler(EngineError, _engine_error_page)


def _engine_error_page(error: EngineError) -> ResponseReturnValue:
    db.session.rollback()
    return _error_page(error.status, error.message)


def _error_page(status: int, message: str) -> ResponseReturnValue:
    return render_template("portal/error.html", status=status, message=message), status


def ensure_session() -> WebSession:
    """The request's session, starting an anonymous one when there is none (for CSRF tokens)."""
    row = current_session()
    if row is None:
        config = settings()
        with unit_of_work():
            sessions.prune(config.clock(), config.session_policy)  # anonymous rows must not pile up
            token, row = sessions.create(config.clock(), ip=client_ip(),
                                         user_agent=request.user_agent.string)
        g.web_session, g.new_session_token = row, token
        g.pop("clear_session_cookie", None)
    return row


def start_session(user: User) -> None:
    """Sign ``user`` in: replace the request's session by a new one (flushes; caller commits)."""
    config = settings()
    now = config.clock()
    sessions.prune(now, config.session_policy)
    token, row = sessions.rotate(current_session(), user.id, now, ip=client_ip(),
                                 user_agent=request.user_agent.string)
    g.web_session, g.current_user, g.new_session_token = row, user, token
    g.pop("clear_session_cookie", None)


def end_session() -> None:
    """Sign out: delete the request's session (flushes; caller commits) and clear the cookie."""
    sessions.revoke(current_session())
    g.web_session = g.current_user = None
    g.pop("new_session_token", None)
    g.clear_session_cookie = True


def csrf_token() -> str:
    """The CSRF token for this page's forms (a template global)."""
    return ensure_session().csrf_token


def csrf_field() -> Markup:
    """The hidden field every form that posts carries (a template global: ``{{ csrf_field() }}``)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf_token())


def _template_context() -> dict[str, Any]:
    oidc = current_app.extensions.get("tramites_oidc") or {}
    return {"current_user": current_user(), "csrf_token": csrf_token, "csrf_field": csrf_field, "may_open": may_open,
            "identity_enabled": True, "oidc_name": oidc.get("name"), "map_tiles": settings().map_tiles}


def _after_request(response: Response) -> Response:
    config = settings()
    token = g.get("new_session_token")
    if token:
        response.set_cookie(config.cookie_name, token, httponly=True, samesite="Lax", secure=config.secure, path="/")
    elif g.get("clear_session_cookie"):
        response.delete_cookie(config.cookie_name, httponly=True, samesite="Lax", secure=config.secure, path="/")
    _security_headers(response, config)
    if current_user() is not None and not _exempt(request.path):
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _security_headers(response: Response, config: IdentitySettings) -> None:
    headers = response.headers
    csp = OGC_CSP if request.path.startswith("/ogc") else config.csp
    headers.setdefault("Content-Security-Policy", csp)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    if config.secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after sign-in, or ``None`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and "\\" not in target else None
