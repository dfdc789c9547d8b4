"""Procedures that staff start (``/bandeja/iniciar/``): the list, the start form, starting the case.

A procedure whose manifest says ``iniciado_por: [group, …]`` is started by members of those
groups (and administrators), never by citizens; :mod:`engine.workflow.starters` holds that rule.
Everyone else gets 404 for its key. File fields upload in the form's multipart post, checked
while they stream as every upload is (:func:`storage.uploads.receive`); each file is kept as
the person's pending upload and joins the case file before the first step runs.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from engine.casefile import drafts
from engine.errors import Conflict, DataInvalid
from engine.identity.access import roles_required
from engine.models import Deployment
from engine.web import once
from engine.workflow import forms_io, starters
from storage.uploads import MB
from worklists import start_files, web

bp = Blueprint("staff_start", __name__, url_prefix="/bandeja/iniciar", template_folder="templates")
web.install_errors(bp)
STAFF = ("staff", "supervisor")
FORM_SLACK = MB  # what a multipart post carries besides its files


@bp.get("/")
@roles_required(*STAFF)
def index() -> ResponseReturnValue:
    """The procedures the person's groups may start."""
    found = starters.startable(web.user())
    return render_template("worklists/staff_start.html", procedures=found)


@bp.route("/<key>", methods=["GET", "POST"])
@roles_required(*STAFF)
def show(key: str) -> ResponseReturnValue:
    """The start form (a POST here is the form's htmx re-render or its submission)."""
    if request.method == "POST":
        return submit()
    deployment = starters.procedure_for(web.user(), key)
    schema, ui = forms_io.start_form(deployment)
    return _page(deployment, forms.render(schema, ui, None) if schema is not None else None)


def _page(deployment: Deployment, form_html: Any, problems: list[str] | None = None,
          status: int = 200, fresh: bool = False) -> ResponseReturnValue:
    return render_template("worklists/staff_start_form.html", deployment=deployment, form_html=form_html,
                           problems=problems or [], file_mb=start_files.file_bytes() // MB,
                           case_mb=start_files.case_bytes() // MB, token=once.page_token(fresh)), status


def _sent_scope(deployment: Deployment) -> str:
    """Where this form's token keeps its answer (:mod:`engine.web.once`): one person's, one procedure's."""
    return f"start:staff:{web.user().id}:{deployment.key}"


def _started(deployment: Deployment, number: str) -> ResponseReturnValue:
    flash(_("Inició «%(name)s»: expediente %(number)s.", name=deployment.name, number=number), "ok")
    return redirect(url_for("case_view.show", number=number), 303)


def _sent_before(deployment: Deployment, schema: Any, ui: Any) -> ResponseReturnValue | None:
    """This form sent before (a second click, a resent POST): the case it started; changed since,
    the form again with a new token (a 409)."""
    try:
        earlier = once.answered(_sent_scope(deployment))
    except Conflict:
        html = forms.render(schema, ui, forms.parse_submission(schema, request.form, {}, ui)) if schema else None
        message = _("Este formulario ya se envió y el trámite quedó iniciado. Si es otro, revise los datos y "
                    "vuelva a enviarlo.")
        return _page(deployment, html, [message], 409, fresh=True)
    return None if earlier is None else _started(deployment, earlier["number"])


@bp.post("/")
@roles_required(*STAFF)
def submit() -> ResponseReturnValue:
    """Start the case with the form's data (errors next to the fields, the data kept)."""
    # before the body is read: the streaming checks refuse large files with a message
    request.max_content_length = start_files.case_bytes() + FORM_SLACK
    key = request.form.get("tramite", "").strip()[:100]
    if not key:
        return web.error_page(400, _("Falta indicar el trámite."))
    person = web.user()
    deployment = starters.procedure_for(person, key)
    schema, ui = forms_io.start_form(deployment)
    acting = schema is not None and forms.has_action(request.form)
    again = None if acting else _sent_before(deployment, schema, ui)
    if again is not None:
        return again
    received = start_files.receive_files(person, drafts.start_scope(deployment.key))
    if acting:
        return _page(deployment, forms.apply_action(schema, request.form, received.refs, ui).html)
    posted = start_files.read_start_form(schema, ui, received)
    data, choices, errors = posted.data, posted.choices, posted.errors
    if errors:
        return _invalid(deployment, schema, ui, data, errors, choices)
    try:
        with web.transaction() as ctx:
            def produce() -> dict[str, Any]:
                return {"number": starters.start_case(ctx, person, deployment, data).number}

            number = once.start(_sent_scope(deployment), produce)["number"]
    except DataInvalid as e:
        problems: dict[str, list[str]] = {}
        for item in e.errors:
            problems.setdefault(item.get("pointer", ""), []).append(item.get("message", e.message))
        return _invalid(deployment, schema, ui, data, problems or {"": [e.message]}, choices)
    except Conflict as e:  # the same form sent at the same time started the case: its answer
        return _sent_before(deployment, schema, ui) or _invalid(deployment, schema, ui, data, {"": [e.message]},
                                                                choices)
    return _started(deployment, number)


def _invalid(deployment: Deployment, schema: Any, ui: Any, data: dict[str, Any], errors: dict[str, list[str]],
             choices: Any) -> ResponseReturnValue:
    """The form again with the typed data and each message next to its field (422)."""
    html = forms.render(schema, ui, data, errors, choices=choices) if schema is not None else None
    return _page(deployment, html, [_("Hay datos que corregir en el formulario."), *errors.get("", [])], 422)



