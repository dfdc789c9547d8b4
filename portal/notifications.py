"""Novedades: what changed in the citizen's cases, read from their audit trail."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from engine.citizens import notifications
from engine.identity.access import roles_required
from engine.uow import unit_of_work
from portal import security
from portal.presentation import signed_in_user

bp = Blueprint("notifications", __name__, url_prefix="/novedades")
security.install_errors(bp)


@bp.get("/")
@roles_required("citizen")
def index() -> ResponseReturnValue:
    """The latest notifications, the unread ones marked."""
    user = signed_in_user()
    return render_template("portal/notifications.html", items=notifications.notifications(user))


@bp.post("/leidas")
@roles_required("citizen")
def mark_read() -> ResponseReturnValue:
    """Mark every notification so far as read."""
    user = signed_in_user()
    with unit_of_work():
        notifications.mark_read(user)
    return redirect(url_for("notifications.index"))
