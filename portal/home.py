"""The citizens' pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
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


@bp.get("/favicon.ico")
@public
def favicon() -> ResponseReturnValue:
    """Where browsers look for the site's icon on their own: the city's initials, in SVG."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
