"""What every staff page shares: who is acting, one transaction per request, error pages.

The fronts never import each other, so the signed-in user is read from ``g`` where the
security layer (``portal/security.py``) put it; the role markers on each view guarantee
there is one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import RequestEntityTooLarge

from engine.dates import moment_text
from engine.db import db
from engine.errors import EngineError
from engine.identity.accounts import User
from engine.models import Instance
from engine.web.request import runtime as runtime  # re-exported for the modules of this face
from engine.web.request import transaction as transaction
from engine.workflow.human_tasks import Actor

CASE_PANELS = "worklists.case_panels"
STALE = "Otra persona cambió el expediente al mismo tiempo; vuelva a cargarlo e intente de nuevo."


def user() -> User:
    """The signed-in person (every staff page requires one)."""
    found: User | None = g.get("current_user")
    if found is None:  # the access markers run first; this is a wiring error, not a user's
        raise RuntimeError("a staff page ran without a signed-in user")
    return found


def actor_of(person: User) -> Actor:
    roles = person.role_set
    return Actor(name=person.username, groups=frozenset(person.group_names), admin="admin" in roles,
                 supervisor="supervisor" in roles)


def is_supervisor(person: User) -> bool:
    return bool({"supervisor", "admin"} & person.role_set)


def now() -> datetime:
    return runtime().clock()


def zone() -> ZoneInfo:
    return ZoneInfo(runtime().settings["TIMEZONE"])


def local(moment: datetime | None, with_time: bool = True) -> str:
    """A stored UTC time as the city reads it: ``05/12/2026 14:30``."""
    return moment_text(moment, zone(), with_time)


def safe_back(target: str | None, default: str) -> str:
    """A local path to return to after an action (never another site)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def error_page(status: int, message: str) -> ResponseReturnValue:
    return render_template("portal/error.html", status=status, message=message), status


def install_errors(bp: Blueprint) -> None:
    """Show the engine's safe Spanish message (404, 409…) instead of a stack trace."""

    def engine_error(error: EngineError) -> ResponseReturnValue:
        db.session.rollback()
        return error_page(error.status, error.message)

    def stale(_error: StaleDataError) -> ResponseReturnValue:
        db.session.rollback()
        return error_page(409, STALE)

    def too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
        limit = int(runtime().settings.get("MAX_UPLOAD_MB") or 25)
        return error_page(413, _("Lo enviado supera el tamaño máximo de %(mb)s MB.", mb=limit))

    bp.register_error_handler(EngineError, engine_error)
    bp.register_error_handler(RequestEntityTooLarge, too_large)
    bp.register_error_handler(StaleDataError, stale)


def template_helpers() -> dict[str, Any]:
    return {"local_time": local}


def add_case_panel(bp: Blueprint, process_key: str, endpoint: str) -> None:
    """Show ``endpoint`` of ``bp`` (a fragment taking the case ``number``) on the case view and the
    task page of one procedure's cases, so the generic pages never name a procedure.

    Recorded on the app when ``create_app`` registers ``bp``, not at import.
    """
    def record(state: BlueprintSetupState) -> None:
        state.app.extensions.setdefault(CASE_PANELS, {}).setdefault(process_key, []).append(endpoint)

    bp.record_once(record)


def case_panels(instance: Instance) -> list[str]:
    """The URLs of the fragments the case's procedure adds to its staff pages (loaded by htmx)."""
    endpoints: list[str] = current_app.extensions.get(CASE_PANELS, {}).get(instance.process_key, [])
    return [url_for(endpoint, number=instance.number) for endpoint in endpoints]
