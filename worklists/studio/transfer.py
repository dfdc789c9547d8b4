"""Import and export in the studio: a bundle as a ``.zip`` (the same the API takes), and a
SpiffArena process model imported as a draft with a warning for each thing that does not carry over.

- ``GET /estudio/borradores/<id>/paquete.zip``: a draft's files;
- ``GET /estudio/procedimientos/<key>/versiones/<n>/paquete.zip``: a deployed version's files;
- ``GET|POST /estudio/importar``: upload a bundle ``.zip``, a SpiffArena model (a ``.zip`` of its
  folder, or its files) or a bundle's loose files; a new draft opens in the modeller, and the
  warnings of the import are flashed and kept in the draft's last check until the next one.

The archive is deterministic (:mod:`engine.studio.archive`): exporting the same files twice
gives the same bytes. Analysts (and administrators) only.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from engine import audit
from engine.errors import BundleError, DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.studio import archive, drafts, spiffarena
from engine.workflow import deployments
from engine.workflow.bundles import MAX_FILES, bundle_from_files, bundle_from_zip
from engine.workflow.validation.report import Problem
from worklists import web
from worklists.studio.studio import studio_url

bp = Blueprint("transfer", __name__, url_prefix="/estudio")
web.install_errors(bp)
ANALYSTS = ("analyst",)
#: Warnings flashed one by one (the rest are counted, and all are kept in the draft's last check).
FLASHED_WARNINGS = 12
_MESSAGE_CHARS = 300


@bp.get("/borradores/<int:draft_id>/paquete.zip")
@roles_required(*ANALYSTS)
def export_draft(draft_id: int) -> ResponseReturnValue:
    """The draft's files as a bundle ``.zip``, ready for the API or ``tramites deploy``."""
    draft = drafts.get(draft_id)
    return _zip(drafts.files_of(draft), draft.key, f"{draft.key}-borrador-{draft.id}")


@bp.get("/borradores/<int:draft_id>/spiffarena.zip")
@roles_required(*ANALYSTS)
def export_draft_spiffarena(draft_id: int) -> ResponseReturnValue:
    """The draft as a SpiffArena process model folder (forms named ``foo-schema.json``, ``process_model.json``)."""
    draft = drafts.get(draft_id)
    files = spiffarena.export_model(drafts.files_of(draft), draft.key, draft.name, drafts.main_bpmn(draft))
    return _zip(files, draft.key, f"{draft.key}-spiffarena")


@bp.get("/procedimientos/<key>/versiones/<number>/paquete.zip")
@roles_required(*ANALYSTS)
def export_version(key: str, number: str) -> ResponseReturnValue:
    """A deployed version's files as a bundle ``.zip``: reading it back gives the same content hash."""
    if not number.isdigit():  # matched as text, so a bad number is a Spanish 404 after the role check
        raise NotFound(_("No existe esa versión del trámite."))
    deployment = deployments.version(key, int(number))
    return _zip({f.name: f.content for f in deployment.files}, deployment.key,
                f"{deployment.key}-v{deployment.version}")


def _zip(files: dict[str, bytes], folder: str, name: str) -> Response:
    response = Response(archive.zip_files(files, folder), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.folder_name(name)}.zip"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/importar", methods=["GET", "POST"])
@roles_required(*ANALYSTS)
def import_bundle() -> ResponseReturnValue:
    """The upload form; a POST makes a draft of the uploaded bundle or SpiffArena model."""
    if request.method == "GET":
        return _import_page([])
    try:
        files = _uploaded_files()
        draft_id, warnings = _make_draft(files)
    except (BundleError, DataInvalid) as e:
        details = [str(item.get("message", "")) for item in e.errors if item.get("message")]
        return _import_page([e.message] + [d for d in details if d != e.message], 400)
    flash(_("Se creó el borrador a partir de lo importado."), "ok")
    for warning in warnings[:FLASHED_WARNINGS]:
        flash(_warning_text(warning), "warning")
    if len(warnings) > FLASHED_WARNINGS:
        flash(_("Y %(n)s avisos más: la revisión del borrador los lista todos.",
                n=len(warnings) - FLASHED_WARNINGS), "warning")
    return redirect(_draft_page(draft_id), 303)


def _import_page(problems: list[str], status: int = 200) -> ResponseReturnValue:
    """The upload form (with what went wrong) and every draft with its export link."""
    return render_template("worklists/studio/transfer_import.html", problems=problems, drafts=drafts.listing(),
                           section="importar"), status


def _uploaded_files() -> dict[str, bytes]:
    """The uploaded files by name: the members of one ``.zip``, or the loose files.

    :raises BundleError: for no file, a mix of a zip and loose files, or what the bundle rules refuse.
    """
    uploads = [f for f in request.files.getlist("archivos") if isinstance(f, FileStorage) and f.filename]
    if not uploads:
        raise BundleError(_("Elija un archivo .zip o los archivos del modelo."))
    zips = [f for f in uploads if (f.filename or "").lower().endswith(".zip")]
    if zips and len(uploads) > 1:
        raise BundleError(_("Suba un solo .zip, o los archivos sueltos sin .zip."))
    if zips:
        return dict(bundle_from_zip(zips[0].read()).files)
    if len(uploads) > MAX_FILES:
        raise BundleError(_("Son más de %(n)s archivos.", n=MAX_FILES))
    files = {PurePosixPath((f.filename or "").replace("\\", "/")).name: f.read() for f in uploads}
    return dict(bundle_from_files(files).files)  # the same name and size rules as any bundle


def _make_draft(files: dict[str, bytes]) -> tuple[int, list[Problem]]:
    """A new draft of the files (adapted first when they are a SpiffArena model) and the import's warnings."""
    rt = web.runtime()
    person = web.user()
    known = rt.known_groups() if rt.known_groups is not None else None
    source = "spiffarena" if spiffarena.looks_like_spiffarena(files) else "paquete"
    if source == "spiffarena":
        imported = spiffarena.import_model(files, rt.operations(), known)
        name, files, warnings = imported.name, imported.files, imported.warnings
    else:
        manifest = bundle_from_files(files).manifest
        name, warnings = str(manifest.get("name") or manifest.get("key") or _("Paquete importado")), []
    with web.transaction() as ctx:
        draft = drafts.create_from_files(name, files, person.username, ctx.now())
        problems, found = drafts.check(draft, ctx.now(), rt.operations(), rt.known_groups, rt.validate_params,
                                       rt.documents.check_template)
        # the import's warnings stay with the check's until the next check: the draft's pages list them
        draft.last_check = {**(draft.last_check or {}), "problems": problems, "warnings": [*warnings, *found]}
        draft_id = draft.id
        audit.record("draft_imported", person.username, data={"draft": draft_id, "key": draft.key, "source": source,
                                                               "warnings": len(warnings)})
    return draft_id, warnings


def _warning_text(warning: Problem) -> str:
    where = " · ".join(part for part in (warning.get("file", ""), warning.get("element", "")) if part)
    message = warning.get("message", "")
    if len(message) > _MESSAGE_CHARS:
        message = message[:_MESSAGE_CHARS - 1] + "…"
    return f"{where}: {message}" if where else message


def _draft_page(draft_id: int) -> str:
    """The modeller of the draft, or the draft's page in a build without the modeller."""
    return studio_url("modeller.edit", draft_id=draft_id) or url_for("studio.draft", draft_id=draft_id)

