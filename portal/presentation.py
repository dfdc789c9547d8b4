"""What every portal page shares: date and size filters, and the unread notifications in the header."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, current_app

from engine.citizens import notifications
from engine.dates import date_text, moment_text
from engine.identity.accounts import User
from engine.web.request import runtime
from portal import security, wording
from storage.uploads import format_size

bp = Blueprint("presentation", __name__)
security.install_errors(bp)
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
    return moment_text(moment, runtime().settings["TIMEZONE"])


@bp.app_template_filter("localdate")
def localdate(day: date | None) -> str:
    return date_text(day)


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
