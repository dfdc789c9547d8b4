"""The analysts' template preview (``/estudio/plantillas``): every certificate template of every
deployed version, rendered as an unsigned PDF with sample data made from the bundle's forms.

Templates belong to the deployed version, so the preview shows exactly what a case of that
version would get, never a file on the server's disk. Analysts (and administrators) only.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from engine.errors import NotFound
from engine.identity.access import roles_required
from engine.web.request import runtime
from engine.workflow import deployments, templates
from worklists import web

bp = Blueprint("template_preview", __name__, url_prefix="/estudio/plantillas", template_folder="templates")
web.install_errors(bp)


@bp.get("/")
@roles_required("analyst")
def index() -> ResponseReturnValue:
    """Each procedure's versions with the template folders they carry."""
    rows = [(latest, [(version, templates.template_folders(version)) for version in deployments.versions(latest.key)])
            for latest in deployments.catalogue()]
    return render_template("worklists/template_preview.html", rows=rows)


@bp.get("/<key>/<version>/vista-previa.pdf")
@roles_required("analyst")
def pdf(key: str, version: str) -> ResponseReturnValue:
    """One template (``?carpeta=permiso``) of one version as PDF; 404 for an unknown version or folder."""
    folder = request.args.get("carpeta", "")
    if not version.isdigit() or not folder:
        raise NotFound("No existe esa plantilla.")
    found = templates.preview(deployments.version(key, int(version)), folder, runtime().documents.preview_template)
    name = f"{key}-v{version}-{folder.replace('/', '_')}.pdf"
    return Response(found, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
