"""What every portal page shares: date and size filters, the unread notifications in the header,
and the e-mails of notifications (installed once per app when the e-mail connector is configured)."""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, current_app
from flask.blueprints import BlueprintSetupState

from engine import portal_notifications
from engine.accounts import User
from engine.db import db
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from portal import security, wording
from storage.uploads import format_size

bp = Blueprint("presentation", __name__)
log = logging.getLogger(__name__)
EMAIL_OPERATION = "notificar/email"


def signed_in_user() -> User:
    """The signed-in person of a page whose marker already required one (401 otherwise)."""
    user = security.current_user()
    if user is None:
        abort(401)
    return user


@bp.app_template_filter("localtime")
def localtime(moment: datetime | None) -> str:
    """``dd/mm/aaaa hh:mm`` in the city's zone."""
    if moment is None:
        return ""
    zone = ZoneInfo(current_app.extensions[EXTENSION_KEY].settings["TIMEZONE"])
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


@bp.app_template_filter("localdate")
def localdate(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day is not None else ""


bp.add_app_template_filter(wording.status_words, "estado")
bp.add_app_template_filter(wording.step_words, "etapa")
bp.add_app_template_filter(wording.happening_words, "suceso")


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    return format_size(int(size))


@bp.app_context_processor
def unread_notifications() -> dict[str, Any]:
    """How many notifications the signed-in citizen has not read (for the header)."""
    user = security.current_user() if security.EXTENSION in current_app.extensions else None
    if user is None or "citizen" not in user.role_set:
        return {"unread_notifications": None}
    return {"unread_notifications": portal_notifications.unread_count(user)}


@bp.record_once
def _install_emails(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    settings = app.extensions[EXTENSION_KEY].settings
    if not (settings.get("SMTP_HOST") or os.environ.get("TRAMITES_SMTP_HOST")):
        return  # no e-mail connector configured: the portal's list is the only channel
    with app.app_context():
        portal_notifications.install(db.engine, lambda ids: _send(app, ids))


def _send(app: Flask, event_ids: list[int]) -> None:
    """One ``notificar/email`` per event, through the runtime (after the step's commit)."""
    runtime = app.extensions[EXTENSION_KEY]
    with app.app_context():
        for event_id in event_ids:
            try:
                _send_one(runtime, event_id)
            except Exception:  # one failed e-mail must not stop the others
                log.exception("notification e-mail for event %s failed", event_id)


def _send_one(runtime: Any, event_id: int) -> None:
    ctx = runtime.engine_context()
    with unit_of_work(ctx.after_commit):
        found = portal_notifications.email_for(event_id, runtime.settings["PUBLIC_URL"])
        if found is None or ctx.call_connector is None:
            return
        _to, params, facts = found
        ctx.call_connector(EMAIL_OPERATION, params, facts)
