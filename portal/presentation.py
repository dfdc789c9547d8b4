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

from engine.citizens import notifications
from engine.db import db
from engine.identity.accounts import User
from engine.runtime import EXTENSION_KEY
from portal import security, wording
from storage.uploads import format_size

bp = Blueprint("presentation", __name__)
log = logging.getLogger(__name__)


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
    return {"unread_notifications": notifications.unread_count(user)}


@bp.record_once
def _install_emails(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    runtime = app.extensions[EXTENSION_KEY]
    if not (runtime.settings.get("SMTP_HOST") or os.environ.get("TRAMITES_SMTP_HOST")):
        return  # no e-mail connector configured: the portal's list is the only channel

    def hand_over(message_id: int) -> None:
        # A fresh app context, so a fresh session: the committing one may not run SQL now.
        with app.app_context():
            try:
                runtime.hand_over(message_id)
            finally:
                db.session.remove()

    with app.app_context():
        notifications.install(db.engine, notifications.Mailer(runtime.settings["PUBLIC_URL"], hand_over))
