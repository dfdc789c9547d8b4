"""Incidents (``/bandeja/incidentes``): failed service and script steps, and "Reintentar"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.background import jobs
from engine.casefile import access
from engine.errors import EngineError
from engine.identity.access import roles_required
from engine.identity.accounts import User
from worklists import web
from worklists.queries import incidents

bp = Blueprint("incidents", __name__, url_prefix="/bandeja/incidentes", template_folder="templates")
web.install_errors(bp)
STAFF = ("staff", "supervisor")


def _scope(person: User) -> list[str] | None:
    """``None`` (every case) for supervisors and administrators, else the person's groups."""
    return None if web.is_supervisor(person) else person.group_names


@bp.get("/")
@roles_required(*STAFF)
def index() -> ResponseReturnValue:
    """Unresolved incidents with their error, element, case and attempts."""
    person = web.user()
    rows = incidents.unresolved(_scope(person))
    # supervisors retry every incident but open only the cases of their groups: no link to a 404
    linked = access.visible_numbers((row.case_number for row in rows), person)
    return render_template("worklists/incidents.html", rows=rows, linked=linked, local_time=web.local)


@bp.post("/reintentar")
@roles_required(*STAFF)
def retry() -> ResponseReturnValue:
    """Run the failed step again now."""
    incident_id = request.form.get("incidente", "")
    if not incident_id:
        flash(_("Falta indicar el incidente."), "error")
        return redirect(url_for("incidents.index"), 303)
    person = web.user()
    if not incidents.may_retry(incident_id, _scope(person)):
        return web.error_page(404, _("El incidente no existe."))
    try:
        with web.transaction() as ctx:
            incident = jobs.retry_incident(ctx, incident_id, person.username)
            resolved = incident.status == "resolved"
    except EngineError as e:
        flash(e.message, "error")
        return redirect(url_for("incidents.index"), 303)
    if resolved:
        flash(_("El paso se ejecutó bien; el incidente quedó resuelto."), "ok")
    else:
        flash(_("El paso volvió a fallar; el incidente sigue abierto."), "error")
    return redirect(url_for("incidents.index"), 303)
