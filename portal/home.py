"""The citizens' pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from engine.identity.access import public
from portal import security

bp = Blueprint("home", __name__)
security.install_errors(bp)


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """The public home page."""
    return render_template("portal/home.html")
