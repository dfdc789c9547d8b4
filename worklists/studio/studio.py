"""The analysts' home: every procedure with its versions, the drafts in progress and their last
check; and the actions that make or drop a draft (new, from a version, discard), plus the
procedure's catalogue data (its manifest) as a form.

Analysts (and administrators) only; analysts land here after signing in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from engine.db import db
from engine.errors import BundleError, DataInvalid
from engine.identity.access import roles_required
from engine.models import Deployment, Instance, StudioDraft
from engine.studio import drafts
from engine.workflow import deployments
from engine.workflow.bundles import MANIFEST, bundle_from_files
from engine.workflow.testcases import real_instances
from worklists import web
from worklists.studio import manifest_fields, summary_fields

bp = Blueprint("studio", __name__, url_prefix="/estudio", template_folder="../templates")
web.install_errors(bp)
# Every studio page writes times as the city reads them.
bp.app_context_processor(web.template_helpers)


@bp.app_template_global()
def studio_url(endpoint: str, **values: Any) -> str | None:
    """The URL of a studio page when that page exists in this build, else ``None``."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@dataclass(frozen=True)
class VersionRow:
    deployment: Deployment
    cases: int
    running: int
    current: bool


@dataclass(frozen=True)
class Procedure:
    key: str
    name: str
    category: str | None
    versions: list[VersionRow]
    drafts: list[StudioDraft]


@bp.get("/")
@roles_required("analyst")
def home() -> ResponseReturnValue:
    """Procedures, drafts, and the problems of each draft's last check."""
    all_drafts = drafts.listing()
    procedures = [_procedure(latest.key, all_drafts) for latest in deployments.catalogue()]
    known = {p.key for p in procedures}
    new_ones = [d for d in all_drafts if d.key not in known]
    return render_template("worklists/studio/home.html", procedures=procedures, drafts=all_drafts,
                           new_drafts=new_ones, section="inicio")


def _procedure(key: str, all_drafts: list[StudioDraft]) -> Procedure:
    versions = [d for d in deployments.versions(key) if not d.trial]
    counts = _case_counts([d.id for d in versions])
    newest = max((d.version for d in versions), default=0)
    rows = [VersionRow(d, *counts.get(d.id, (0, 0)), current=d.version == newest)
            for d in sorted(versions, key=lambda d: d.version, reverse=True)]
    latest = rows[0].deployment
    return Procedure(key, latest.name, latest.category, rows, [d for d in all_drafts if d.key == key])


def _case_counts(deployment_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Real cases (test cases left out) per version: all of them, and those still running."""
    if not deployment_ids:
        return {}
    rows = db.session.execute(
        select(Instance.deployment_id, func.count(), func.count().filter(Instance.status == "running"))
        .where(Instance.deployment_id.in_(deployment_ids), real_instances())
        .group_by(Instance.deployment_id))
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


@bp.get("/procedimientos/<key>")
@roles_required("analyst")
def procedure(key: str) -> ResponseReturnValue:
    deployments.latest(key)  # 404 in Spanish for a key never deployed
    return render_template("worklists/studio/procedure.html", procedure=_procedure(key, drafts.listing()),
                           section="inicio")


@bp.post("/borradores")
@roles_required("analyst")
def new_draft() -> ResponseReturnValue:
    """A new procedure from an empty diagram (fields ``nombre`` and ``clave``)."""
    name, key = request.form.get("nombre", "")[:400], request.form.get("clave", "")[:100]
    try:
        with web.transaction() as ctx:
            draft = drafts.create_empty(name, key, web.user().username, ctx.now())
            draft_id = draft.id
    except DataInvalid as error:
        flash(error.message, "error")
        return redirect(url_for("studio.home", nombre=name, clave=key) + "#nuevo")
    return redirect(_editor(draft_id))


@bp.post("/procedimientos/<key>/versiones/<int:version>/editar")
@roles_required("analyst")
def edit_version(key: str, version: int) -> ResponseReturnValue:
    """A draft holding a copy of one deployed version (the version itself never changes)."""
    with web.transaction() as ctx:
        draft = drafts.create_from_version(deployments.version(key, version), web.user().username, ctx.now())
        draft_id = draft.id
    return redirect(_editor(draft_id))


def _editor(draft_id: int) -> str:
    return studio_url("modeller.edit", draft_id=draft_id) or url_for("studio.draft", draft_id=draft_id)


@bp.get("/borradores/<int:draft_id>/tramite")
@roles_required("analyst")
def draft(draft_id: int) -> ResponseReturnValue:
    """The draft's catalogue data (its manifest, as fields and as YAML) and its files."""
    found = drafts.get(draft_id)
    text = _manifest_text(found)
    manifest = _parsed(text) or {}
    return _draft_page(found, text, manifest_fields.values_of(manifest), _summary(found, manifest))


def _summary(found: StudioDraft, manifest: dict[str, Any],
             posted: MultiDict[str, str] | None = None) -> summary_fields.SummaryPart:
    """The «resumen» check boxes: the manifest's choice, or the one just ``posted`` when refused."""
    return summary_fields.part_of(manifest, summary_fields.choices_of(drafts.files_of(found), manifest), posted)


def _draft_page(found: StudioDraft, text: str, fields: dict[str, Any], summary: summary_fields.SummaryPart,
                problems: dict[str, str] | None = None, error: str | None = None,
                status: int = 200) -> ResponseReturnValue:
    schemas = sorted(f.name for f in found.files if drafts.kind_of(f.name) == "schema")
    ui_schemas = sorted(f.name for f in found.files if drafts.kind_of(f.name) == "uischema")
    return render_template("worklists/studio/draft.html", draft=found, manifest=text, fields=fields,
                           summary=summary, problems=problems or {}, error=error, schemas=schemas,
                           ui_schemas=ui_schemas,
                           files=[(f.name, drafts.kind_of(f.name), len(f.content)) for f in found.files],
                           section="inicio"), status


def _manifest_text(draft: StudioDraft) -> str:
    for item in draft.files:
        if item.name == MANIFEST:
            return item.content.decode("utf-8", errors="replace")
    return manifest_fields.text_of({"key": draft.key, "name": draft.name})


def _parsed(text: str) -> dict[str, Any] | None:
    try:
        return dict(bundle_from_files({MANIFEST: text.encode()}).manifest)
    except BundleError:
        return None


@bp.post("/borradores/<int:draft_id>/tramite")
@roles_required("analyst")
def save_manifest(draft_id: int) -> ResponseReturnValue:
    """Save the catalogue fields (``paso=campos``) or the YAML as typed; either is refused as a whole
    when the platform could not read it."""
    found = drafts.get(draft_id)
    if request.form.get("paso") == "campos":
        text, refused = _from_fields(found)
        if refused is not None:
            return refused
    else:
        text = request.form.get("manifiesto", "")
    try:
        with web.transaction() as ctx:
            drafts.put_file(drafts.get(draft_id), MANIFEST, text.encode(), web.user().username, ctx.now())
    except DataInvalid as error:
        again = drafts.get(draft_id)
        manifest = _parsed(_manifest_text(again)) or {}
        return _draft_page(again, text, manifest_fields.values_of(manifest), _summary(again, manifest),
                           error=error.message, status=400)
    flash(_("Se guardaron los datos del trámite."), "ok")
    return redirect(url_for("studio.draft", draft_id=draft_id))


def _from_fields(found: StudioDraft) -> tuple[str, ResponseReturnValue | None]:
    """The manifest the fields make, as YAML; or the page shown again with the problems."""
    current = _parsed(_manifest_text(found)) or {"key": found.key}
    forms = summary_fields.choices_of(drafts.files_of(found), current)
    manifest, problems = manifest_fields.merged(current, request.form)
    manifest, more = summary_fields.merged(manifest, request.form, forms)
    problems.update(more)
    if problems:
        shown = dict(request.form, guia=request.form.get("guia") == "1")
        return "", _draft_page(found, _manifest_text(found), shown,
                               summary_fields.part_of(current, forms, request.form), problems=problems, status=400)
    return manifest_fields.text_of(manifest), None


@bp.post("/borradores/<int:draft_id>/descartar")
@roles_required("analyst")
def discard(draft_id: int) -> ResponseReturnValue:
    with web.transaction():
        found = drafts.get(draft_id)
        name = found.name
        drafts.discard(found, web.user().username)
    flash(_("Se descartó el borrador «%(nombre)s».", nombre=name), "ok")
    return redirect(url_for("studio.home"))
