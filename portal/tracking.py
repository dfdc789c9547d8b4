"""The public tracking page: a case's progress by its tracking code, without signing in.

It shows what the case is and where it stands (procedure, number, state, current step,
expected date, dates of the main steps) and nothing about the person who started it.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.casefile import tracking
from engine.citizens import cases
from engine.identity.access import public
from portal import security
from portal.cases import summary

bp = Blueprint("tracking", __name__, url_prefix="/seguimiento")
security.install_errors(bp)


@bp.get("/")
@public
def start() -> ResponseReturnValue:
    """The form that asks for the code (and sends a typed one to its page)."""
    typed = request.args.get("codigo", "").strip()[:40]
    if typed:
        compact = tracking.normalize(typed)
        if compact is not None and tracking.case_by_tracking_code(compact) is not None:
            return redirect(url_for("tracking.show", code=typed.upper().replace(" ", "")))
        return render_template("portal/tracking_start.html", typed=typed, not_found=True), 404
    return render_template("portal/tracking_start.html", typed="", not_found=False)


@bp.get("/<code>")
@public
def show(code: str) -> ResponseReturnValue:
    """The case's public progress; an unknown code is 404 with the form to try again."""
    instance = tracking.case_by_tracking_code(code)
    if instance is None:
        return render_template("portal/tracking_start.html", typed=code[:40], not_found=True), 404
    return render_template("portal/tracking.html", instance=instance, summary=summary(instance),
                           dates=cases.main_dates(instance))
