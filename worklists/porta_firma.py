"""The porta firma (``/bandeja/firmas``): documents waiting for MY signature, preview, sign one or many, refuse.

Only the official whose turn it is sees a document (the previous ones signed already); the
key never leaves its credential: the official types its passphrase (or the token's PIN)
for each batch, and nothing keeps it.
"""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.errors import DataInvalid
from engine.identity.access import roles_required
from engine.signatures import porta_firma
from engine.signatures.porta_firma import Official
from engine.web.request import runtime
from worklists import web

bp = Blueprint("porta_firma", __name__, url_prefix="/bandeja/firmas", template_folder="templates")
web.install_errors(bp)
STAFF = ("staff", "supervisor")


def _official() -> Official:
    person = web.user()
    return Official(username=person.username, name=person.display_name or person.username,
                    groups=tuple(person.group_names))


@bp.get("/")
@roles_required(*STAFF)
def index() -> ResponseReturnValue:
    """The documents whose turn to sign is mine, oldest first, with who signed them before me."""
    steps = porta_firma.waiting_for(_official().groups)
    return render_template("worklists/porta_firma.html", steps=steps, local_time=web.local)


@bp.get("/<step_id>/documento")
@roles_required(*STAFF)
def preview(step_id: str) -> ResponseReturnValue:
    """The document as it stands (with the signatures so far), inline: read before signing."""
    step = porta_firma.turn_of(step_id, _official())
    pdf = porta_firma.current_pdf(step.request, runtime().documents.store)
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf",
                         download_name=f"{step.request.certificate_code}.pdf", max_age=0)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.post("/firmar")
@roles_required(*STAFF)
def sign() -> ResponseReturnValue:
    """Sign the chosen documents (one or a batch) with my credential."""
    chosen = request.form.getlist("paso")
    rt = runtime()
    if rt.documents.sign_documents is None:
        return web.error_page(503, _("La firma de funcionarios no está disponible en este servidor."))
    try:
        with web.transaction() as ctx:
            signed = porta_firma.sign(ctx, chosen, _official(), request.form.get("clave", ""),
                                      rt.documents.sign_documents, rt.documents.store, web.now())
            count = len(signed)
    except DataInvalid as e:  # a wrong passphrase, nothing chosen: say so on the list, nothing signed
        flash(e.message, "error")
        return redirect(url_for("porta_firma.index"), 303)
    flash(ngettext("Firmó %(num)d documento.", "Firmó %(num)d documentos.", count), "ok")
    return redirect(url_for("porta_firma.index"), 303)


@bp.post("/<step_id>/rechazar")
@roles_required(*STAFF)
def refuse(step_id: str) -> ResponseReturnValue:
    """Refuse to sign, with a reason the case and its file keep."""
    try:
        with web.transaction() as ctx:
            porta_firma.refuse(ctx, step_id, _official(), request.form.get("motivo", ""), web.now())
    except DataInvalid as e:
        flash(e.message, "error")
        return redirect(url_for("porta_firma.index"), 303)
    flash(_("Rechazó la firma del documento; el expediente sigue con el rechazo."), "ok")
    return redirect(url_for("porta_firma.index"), 303)
