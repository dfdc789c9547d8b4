"""Procedures that staff start (``/bandeja/iniciar/``): the list, the start form, starting the case.

A procedure whose manifest says ``iniciado_por: [group, …]`` is started by members of those
groups (and administrators), never by citizens; :mod:`engine.workflow.starters` holds that rule.
Everyone else gets 404 for its key. File fields upload in the form's multipart post, checked
while they stream as every upload is (:func:`storage.uploads.receive`); each file is kept as
the person's pending upload and joins the case file before the first step runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from engine import audit
from engine.casefile import drafts
from engine.errors import DataInvalid
from engine.identity.access import roles_required
from engine.identity.accounts import User
from engine.models import Deployment
from engine.uow import unit_of_work
from engine.workflow import forms_io, starters
from storage.antivirus import ClamdScanner
from storage.base import Storage
from storage.uploads import MB, CaseQuota, UploadError, receive_each
from worklists import web

bp = Blueprint("staff_start", __name__, url_prefix="/bandeja/iniciar", template_folder="templates")
web.install_errors(bp)
STAFF = ("staff", "supervisor")
DEFAULT_CASE_MB = 100  # as the portal's uploads
FORM_SLACK = MB  # what a multipart post carries besides its files


@dataclass
class Received:
    """The files of a post: references by input name, refusals by JSON pointer."""

    refs: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


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
          status: int = 200) -> ResponseReturnValue:
    return render_template("worklists/staff_start_form.html", deployment=deployment, form_html=form_html,
                           problems=problems or [], file_mb=_file_bytes() // MB, case_mb=_case_bytes() // MB), status


@bp.post("/")
@roles_required(*STAFF)
def submit() -> ResponseReturnValue:
    """Start the case with the form's data (errors next to the fields, the data kept)."""
    # before the body is read: the streaming checks refuse large files with a message
    request.max_content_length = _case_bytes() + FORM_SLACK
    key = request.form.get("tramite", "").strip()[:100]
    if not key:
        return web.error_page(400, _("Falta indicar el trámite."))
    person = web.user()
    deployment = starters.procedure_for(person, key)
    schema, ui = forms_io.start_form(deployment)
    received = _receive_files(person, drafts.start_scope(deployment.key))
    if schema is not None and forms.has_action(request.form):
        return _page(deployment, forms.apply_action(schema, request.form, received.refs, ui).html)
    data = forms.parse_submission(schema, request.form, received.refs, ui) if schema is not None else {}
    data = data if isinstance(data, dict) else {}
    choices = forms.read_choices(schema, request.form, ui) if schema is not None else {}
    errors: dict[str, list[str]] = dict(forms.validate(schema, data, choices)) if schema is not None else {}
    for pointer, messages in received.errors.items():
        errors.setdefault(pointer, []).extend(messages)
    if errors:
        return _invalid(deployment, schema, ui, data, errors, choices)
    try:
        with web.transaction() as ctx:
            number = starters.start_case(ctx, person, deployment, data).number
    except DataInvalid as e:
        problems: dict[str, list[str]] = {}
        for item in e.errors:
            problems.setdefault(item.get("pointer", ""), []).append(item.get("message", e.message))
        return _invalid(deployment, schema, ui, data, problems or {"": [e.message]}, choices)
    flash(_("Inició «%(name)s»: expediente %(number)s.", name=deployment.name, number=number), "ok")
    return redirect(url_for("case_view.show", number=number), 303)


def _invalid(deployment: Deployment, schema: Any, ui: Any, data: dict[str, Any], errors: dict[str, list[str]],
             choices: Any) -> ResponseReturnValue:
    """The form again with the typed data and each message next to its field (422)."""
    html = forms.render(schema, ui, data, errors, choices=choices) if schema is not None else None
    return _page(deployment, html, [_("Hay datos que corregir en el formulario."), *errors.get("", [])], 422)


def _receive_files(person: User, scope: str) -> Received:
    """Store each uploaded file (checked by content, size, antivirus and the case's quota).

    A stored file becomes the person's pending upload of ``scope`` (only such uploads may
    join the case); a refused one leaves an ``upload_refused`` audit event and a message for
    its field, so the rest of the form is kept.
    """
    rt = web.runtime()
    clamd = rt.settings.get("CLAMD_URL")
    scanner = ClamdScanner.from_url(clamd) if clamd else None
    found = Received()
    received = receive_each(cast(Storage, rt.documents.store), request.files.items(multi=True), max_bytes=_file_bytes(),
                            case_quota=CaseQuota(_case_bytes(), drafts.pending_bytes(person.id, scope)),
                            scanner=scanner)
    for input_name, name, outcome in received:
        if isinstance(outcome, UploadError):
            with unit_of_work():
                audit.record("upload_refused", person.username, data={"reason": outcome.reason, "name": name[:300]})
            found.errors.setdefault(input_name.lstrip("$"), []).append(outcome.public_message)
            continue
        with unit_of_work():
            found.refs[input_name] = drafts.record_upload(
                person.id, scope, key=outcome.key, name=outcome.display_name, content_type=outcome.content_type,
                size=outcome.size)
    return found


def _file_bytes() -> int:
    return int(web.runtime().settings.get("MAX_UPLOAD_MB") or 25) * MB


def _case_bytes() -> int:
    return int(web.runtime().settings.get("MAX_CASE_MB") or DEFAULT_CASE_MB) * MB
