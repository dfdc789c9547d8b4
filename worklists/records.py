"""Records management for staff: closing and reopening a case file from its case view, and the
archive page (``/bandeja/archivo``) where the records manager approves the disposal of closed
files whose retention ended (destruction or transfer) and reads the disposal register."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.casefile import access, assembly
from engine.errors import DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.models import Instance
from engine.records import closure, disposal
from worklists import web

bp = Blueprint("records", __name__, url_prefix="/bandeja", template_folder="templates")
web.install_errors(bp)
#: Who closes and reopens case files: supervisors of the areas, and the records managers.
CLOSERS = ("supervisor", "archivist")
TRANSFER_FOLDER = "archivo-historico"


def _case(number: str) -> Instance:
    return access.visible_case_by_number(number, web.user())


def _act(number: str, reopen: bool) -> ResponseReturnValue:
    instance = _case(number)
    rt = web.runtime()
    action = closure.reopen if reopen else closure.close
    try:
        with web.transaction():
            action(instance, web.user().username, request.form.get("motivo", ""), web.now(), rt.documents.store,
                   rt.settings["TIMEZONE"])
    except DataInvalid as e:
        flash(e.message, "error")
        return redirect(url_for("case_view.show", number=number, _anchor="archivo"), 303)
    flash(_("Expediente reabierto.") if reopen else _("Expediente cerrado y archivado."), "ok")
    return redirect(url_for("case_view.show", number=number, _anchor="archivo"), 303)


@bp.post("/expedientes/<number>/cerrar")
@roles_required(*CLOSERS)
def close(number: str) -> ResponseReturnValue:
    """Close a finished case by an act filed in it; it is archived with its procedure's retention."""
    return _act(number, reopen=False)


@bp.post("/expedientes/<number>/reabrir")
@roles_required(*CLOSERS)
def reopen(number: str) -> ResponseReturnValue:
    """Reopen a closed case by an act filed in it."""
    return _act(number, reopen=True)


@bp.get("/archivo")
@roles_required("archivist", "auditor")
def index() -> ResponseReturnValue:
    """Files awaiting approval of their disposal, the archive, and the disposal register."""
    return render_template("worklists/records.html", pending=disposal.awaiting("pendiente"),
                           archived=disposal.awaiting("archivado"), transferred=disposal.awaiting("transferido"),
                           register=disposal.register(), may_approve="archivist" in web.user().role_set
                           or "admin" in web.user().role_set)


def _render_case_file(instance: Instance) -> bytes:
    rt = web.runtime()
    render = rt.documents.render_case_file
    if render is None:
        raise NotFound("Este servidor no genera el expediente en PDF.")
    return assembly.case_file_pdf(instance, rt.documents.store, render, rt.settings["TIMEZONE"], rt.clock())


@bp.post("/archivo/<number>/aprobar")
@roles_required("archivist")
def approve(number: str) -> ResponseReturnValue:
    """Approve the disposal of a listed file: destroy it, or transfer it to the historical archive."""
    rt = web.runtime()
    actor = web.user().username
    record = disposal.listed_record(number)
    if record.disposition == "transferir":
        folder = Path(rt.settings.get("RECORDS_TRANSFER_DIR") or Path(rt.settings["INSTANCE_PATH"]) / TRANSFER_FOLDER)
        with web.transaction():
            disposal.transfer(number, actor, web.now(), _render_case_file, folder)
        flash(_("Expediente %(number)s transferido al archivo histórico.", number=number), "ok")
    else:
        with web.transaction():
            _act_, keys = disposal.destroy(number, actor, web.now())
        disposal.purge_objects(rt.documents.store, keys)  # after the commit: a rollback must find them
        flash(_("Expediente %(number)s destruido; el acta queda en el registro.", number=number), "ok")
    return redirect(url_for("records.index"), 303)
