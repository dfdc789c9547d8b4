"""Starting a procedure: its start form, file uploads with progress, drafts, submission."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from engine.casefile import drafts as saved_drafts
from engine.citizens import cases
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.identity.accounts import User
from engine.models import Deployment
from engine.uow import unit_of_work
from engine.web import once
from engine.web.request import transaction
from engine.workflow import deployments, forms_io, starters
from portal import representation, security, uploads
from portal.presentation import signed_in_user
from storage.uploads import UploadError

bp = Blueprint("start", __name__)
security.install_errors(bp)


def _user() -> User:
    return signed_in_user()


def _procedure(key: str) -> Deployment:
    """The latest version of a procedure citizens may start (listed in the guide, not staff-started), or 404."""
    try:
        deployment = deployments.latest(key)
    except NotFound:
        abort(404)
    if (deployment.manifest or {}).get("guia", True) is False or starters.starter_groups(deployment):
        abort(404)
    return deployment


@bp.route("/iniciar/<key>", methods=["GET", "POST"])
@roles_required("citizen")
def show(key: str) -> ResponseReturnValue:
    """The start form, with the person's draft when there is one.

    A POST here is the form's htmx re-render (``hx-post=""`` posts to the page's own URL).
    """
    if request.method == "POST":
        return submit()
    deployment = _procedure(key)
    draft = saved_drafts.find_draft(_user().id, key)
    return _page(deployment, draft.data if draft else None, None, resumed=draft is not None)


def _page(deployment: Deployment, data: Any, errors: forms.Errors | None, *, status: int = 200,
          resumed: bool = False, html: Any = None, fresh: bool = False) -> ResponseReturnValue:
    schema, ui = forms_io.start_form(deployment)
    form = html
    if form is None and schema is not None:
        form = forms.render(schema, ui, data, errors)
    limits = {"archivo": uploads.max_file_bytes(), "tramite": uploads.max_case_bytes()}
    return render_template("portal/start.html", deployment=deployment, form=form, resumed=resumed,
                           has_errors=bool(errors), limits=limits, token=once.page_token(fresh)), status


def _sent_scope(user: User, key: str) -> str:
    """Where a start form's token keeps its answer (:mod:`engine.web.once`): one person's, one procedure's."""
    return f"start:web:{user.id}:{key}"


def _sent_before(deployment: Deployment, user: User) -> ResponseReturnValue | None:
    """The answer to this form sent before: its case; changed since, the form again with a new
    token (a 409); nothing for a form not sent yet."""
    try:
        earlier = once.answered(_sent_scope(user, deployment.key))
    except Conflict:
        schema, ui = forms_io.start_form(deployment)
        kept = forms.parse_submission(schema, request.form, {}, ui) if schema is not None else {}
        message = _("Esta solicitud ya se envió y su trámite quedó iniciado (está en «Mis trámites»). Si "
                    "quiere iniciar otro, revise los datos y vuelva a enviarla.")
        return _page(deployment, kept, {"": [message]}, status=409, fresh=True)
    return None if earlier is None else redirect(url_for("cases.detail", number=earlier["number"], nuevo=1))


def _posted_key() -> str:
    """The procedure a post names (form field or query ``tramite``); 400 when none."""
    key = (request.args.get("tramite") or request.form.get("tramite") or "").strip()[:100]
    if not key:
        abort(400)
    return key


@bp.post("/iniciar")
@roles_required("citizen")
def submit() -> ResponseReturnValue:
    """Save a draft (no validation) or start the case (validated; errors next to the fields)."""
    key = _posted_key()
    deployment = _procedure(key)
    user = _user()
    uploads.allow_large_bodies()
    schema, ui = forms_io.start_form(deployment)
    acting = schema is not None and forms.has_action(request.form)
    waiting = None if acting else uploads.still_uploading(request.form)  # a re-render may come mid-upload
    if waiting:  # the files that did finish are in the form already: keep them and the typed values
        kept = forms.parse_submission(schema, request.form, {}, ui) if schema is not None else {}
        return _page(deployment, kept, {"": [waiting]}, status=422)
    again = None if acting or request.form.get("accion") == "guardar" else _sent_before(deployment, user)
    if again is not None:
        return again
    scope = saved_drafts.start_scope(key)
    received = uploads.upload_form_files(user, scope, saved_drafts.pending_bytes(user.id, scope))
    if acting:
        result = forms.apply_action(schema, request.form, received.refs, ui)
        return _page(deployment, result.data, None, html=result.html)
    data = forms.parse_submission(schema, request.form, received.refs, ui) if schema is not None else {}
    data = data if isinstance(data, dict) else {}
    if request.form.get("accion") == "guardar" and not received.errors:
        with unit_of_work():
            saved_drafts.save_draft(user.id, key, data)
        return redirect(url_for("start.drafts", guardado=key))
    validated = request.form.get("accion") != "guardar"  # a draft whose file was refused: only that message
    choices = forms.read_choices(schema, request.form, ui) if schema else {}
    errors = dict(forms.validate(schema, data, choices)) if schema and validated else {}
    for pointer, messages in received.errors.items():
        errors.setdefault(pointer, []).extend(messages)
    if errors:
        return _page(deployment, data, errors, status=422)
    return _start(deployment, user, data)


def _start(deployment: Deployment, user: User, data: dict[str, Any]) -> ResponseReturnValue:
    """Start the case for the person, or for the party they act for (its applicant)."""
    try:
        with transaction() as ctx:
            def produce() -> dict[str, Any]:
                party = representation.acting_party(user)
                return {"number": cases.start_case(ctx, user, deployment, data, on_behalf_of=party).number}

            number = once.start(_sent_scope(user, deployment.key), produce)["number"]
    except Conflict as e:  # the same form sent at the same time started the case: its answer
        return _sent_before(deployment, user) or _page(deployment, data, {"": [e.message]}, status=409)
    except NotFound as e:  # acting for a party whose power does not cover this procedure
        return _page(deployment, data, {"": [e.message]}, status=422)
    except DataInvalid as e:
        errors: dict[str, list[str]] = {}
        for problem in e.errors:
            errors.setdefault(problem.get("pointer", ""), []).append(problem.get("message", e.message))
        return _page(deployment, data, errors or {"": [e.message]}, status=422)
    return redirect(url_for("cases.detail", number=number, nuevo=1))


@bp.post("/iniciar/archivo")
@roles_required("citizen")
def upload() -> ResponseReturnValue:
    """One file of the start form (``?tramite=<key>``), sent alone by the progress-bar script (the raw body)."""
    key = _posted_key()
    _procedure(key)
    user = _user()
    uploads.allow_large_bodies()
    scope = saved_drafts.start_scope(key)
    try:
        ref = uploads.upload_one(user, scope, saved_drafts.pending_bytes(user.id, scope))
    except UploadError as e:
        return jsonify({"error": e.public_message}), e.status
    return jsonify({"referencia": ref}), 201


@bp.get("/borradores")
@roles_required("citizen")
def drafts() -> ResponseReturnValue:
    """The person's drafts, to resume or discard."""
    rows = []
    for draft in saved_drafts.drafts_of(_user().id):
        try:
            name = deployments.latest(draft.process_key).name
        except NotFound:
            name = draft.process_key
        rows.append({"key": draft.process_key, "name": name, "saved": draft.updated_at})
    saved = request.args.get("guardado")
    return render_template("portal/drafts.html", drafts=rows, saved=saved)


@bp.post("/borradores/descartar")
@roles_required("citizen")
def discard() -> ResponseReturnValue:
    """Delete a draft (form field ``tramite``) and the files only it kept."""
    key = _posted_key()
    try:
        with unit_of_work():
            saved_drafts.discard_draft(_user().id, key)
    except NotFound:
        abort(404)
    return redirect(url_for("start.drafts"))


@bp.app_errorhandler(413)
def too_large(error: Any) -> ResponseReturnValue:
    """A post larger than any form may be, refused before a view read it: say so in Spanish."""
    if request.path.startswith(security.EXEMPT_PREFIXES):
        return error  # the machines' paths answer their own way
    message = uploads.refused_too_large(security.current_user(), request.content_length)
    if request.accept_mimetypes.best == "application/json" or request.headers.get("X-File-Name") is not None:
        return jsonify({"error": message}), 413
    return render_template("portal/error.html", status=413, message=message), 413
