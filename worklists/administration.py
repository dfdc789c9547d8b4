"""The administration's home (``/administracion/``): the pages an administrator keeps.

Each link shows when its page exists in this installation and opens to the person
(``may_open``), so a page another part of the platform adds appears without naming it here.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from engine.identity.access import roles_required
from worklists import web

bp = Blueprint("administration", __name__, url_prefix="/administracion", template_folder="templates")
web.install_errors(bp)


@bp.get("/")
@roles_required("admin")
def index() -> ResponseReturnValue:
    """The list of the administration's pages."""
    return render_template("worklists/administration.html")
