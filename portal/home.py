"""The citizens' pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from engine.identity.access import public

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """The public home page."""
    return render_template("portal/home.html")
