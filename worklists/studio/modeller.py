"""The studio's BPMN modeller: bpmn-js with the platform's properties panel, over a draft.

The page is a shell: the script (``worklists/studio/js/modeller.js``, bundled by ``make assets``)
reads and writes the draft through the draft files' JSON API (``draft_files``). This module adds
what only the modeller needs: the BPMN to draw (a file written without diagram coordinates gets
the case view's generated layout, so every bundle opens) and the group a lane gives, by the
platform's one rule. Analysts (and administrators) only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from engine.identity.access import roles_required
from engine.studio import drafts
from engine.workflow.tasks import APPLICANT_LANES, group_of_lane, slug
from worklists import web
from worklists.queries.lane_layout import with_lanes

bp = Blueprint("modeller", __name__, url_prefix="/estudio/borradores", template_folder="../templates")
web.install_errors(bp)

# The other editors of the studio, by kind of file: (endpoint, its argument for the file's path).
EDITORS = {
    "dmn": ("decisions.edit", "name"),
    "schema": ("form_editor.edit", "name"),
    "template": ("template_editor.edit", "folder"),
}
KIND_LABELS = {
    "bpmn": "Diagramas BPMN", "dmn": "Tablas de decisión", "schema": "Formularios", "uischema": "Esquemas de interfaz",
    "manifest": "Manifiesto", "template": "Plantillas", "other": "Otros archivos",
}


@dataclass(frozen=True)
class FileLink:
    """A file of the draft as the page lists it: its name, and the editor that opens it (if any)."""

    name: str
    url: str | None


def _url(endpoint: str, **values: object) -> str | None:
    """The address of another part of the studio, or None when it is not there (or takes other values)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _files_by_kind(draft_id: int, names: list[str]) -> list[tuple[str, list[FileLink]]]:
    grouped: dict[str, list[FileLink]] = {}
    folders_seen: set[str] = set()
    for name in sorted(names):
        kind = drafts.kind_of(name)
        if kind not in EDITORS:
            grouped.setdefault(kind, []).append(FileLink(name, None))
            continue
        endpoint, argument = EDITORS[kind]
        target = name.split("/", 1)[0] if kind == "template" else name
        if target in folders_seen:
            continue  # a template is its folder: listed once
        folders_seen.add(target)
        shown = target + "/" if kind == "template" else name
        grouped.setdefault(kind, []).append(FileLink(shown, _url(endpoint, draft_id=draft_id, **{argument: target})))
    return [(_(KIND_LABELS.get(kind, kind)), grouped[kind]) for kind in KIND_LABELS if kind in grouped]


@bp.get("/<int:draft_id>")
@roles_required("analyst")
def edit(draft_id: int) -> ResponseReturnValue:
    """The modeller for the draft's main BPMN file (``?archivo=`` picks another of its BPMN files)."""
    draft = drafts.get(draft_id)
    files = drafts.files_of(draft)
    bpmn_names = sorted(n for n in files if drafts.kind_of(n) == "bpmn")
    name = request.args.get("archivo") or drafts.main_bpmn(draft)
    if name not in bpmn_names:
        name = None
    urls = {
        "files": url_for("draft_files.listing", draft_id=draft.id),
        "check": url_for("draft_files.check", draft_id=draft.id),
        "deploy": url_for("draft_files.deploy", draft_id=draft.id),
        "operations": url_for("draft_files.operations"),
        "groups": url_for("draft_files.groups"),
        "diagram": url_for("modeller.diagram", draft_id=draft.id, archivo=name) if name else "",
        "lane_group": url_for("modeller.lane_group", draft_id=draft.id),
    }
    return render_template("worklists/studio/modeller.html", draft=draft, bpmn_name=name, bpmn_names=bpmn_names,
                           files=_files_by_kind(draft.id, list(files)), urls=urls,
                           export_url=_url("transfer.export_draft", draft_id=draft.id),
                           draft_url=_url("studio.draft", draft_id=draft.id))


@bp.get("/<int:draft_id>/diagrama")
@roles_required("analyst")
def diagram(draft_id: int) -> ResponseReturnValue:
    """The BPMN file to draw; one without diagram coordinates gets a generated layout."""
    draft = drafts.get(draft_id)
    files = drafts.files_of(draft)
    name = request.args.get("archivo") or drafts.main_bpmn(draft)
    if not name or drafts.kind_of(name) != "bpmn" or name not in files:
        return jsonify({"title": _("No hay diagrama"), "detail": _("El borrador no tiene ese diagrama BPMN.")}), 404
    try:
        xml = files[name].decode("utf-8")
    except UnicodeDecodeError:
        detail = _("El archivo %(name)s no está en UTF-8.", name=name)
        return jsonify({"title": _("Archivo ilegible"), "detail": detail}), 400
    response = Response(with_lanes(xml, _process_to_draw(xml, draft.key)), mimetype="application/xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def _process_to_draw(xml: str, key: str) -> str:
    """The process a generated layout draws: the draft's own when the file has it, else its first."""
    ids = re.findall(r"<(?:[\w.-]+:)?process\b[^>]*?\bid=[\"']([^\"']+)[\"']", xml)
    return key if key in ids or not ids else ids[0]


@bp.get("/<int:draft_id>/grupo-del-carril")
@roles_required("analyst")
def lane_group(draft_id: int) -> ResponseReturnValue:
    """The group a lane's staff tasks go to (docs/guia-analista.md 3.1), and whether it is the applicant's."""
    drafts.get(draft_id)
    lane = request.args.get("carril", "")[:200]
    if not lane.strip():
        return jsonify({"title": _("Falta el carril"), "detail": _("Indique el nombre del carril.")}), 400
    return jsonify({"group": group_of_lane(lane), "applicant": slug(lane) in APPLICANT_LANES})
