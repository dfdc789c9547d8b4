"""Mis trámites: the citizen's cases, each case's page, its documents and the tasks waiting for them.

Every case, document and task is looked up through :mod:`engine.casefile.access`: whoever may
not see the case is told it does not exist (404), never that it is someone else's.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from engine.appointments.of_case import of_case
from engine.casefile import access, drafts, expediente, ratings, tracking
from engine.casefile import summary as summary_lines
from engine.citizens import cases
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity.access import login_required, roles_required
from engine.identity.accounts import User
from engine.models import Document, Instance, Task
from engine.notices import receipt
from engine.representation import powers
from engine.uow import unit_of_work
from engine.web.request import runtime, transaction
from engine.workflow import completion, forms_io
from engine.workflow.completion import EarlierUploads, Submission
from engine.workflow.human_tasks import Actor
from portal import representation, security, uploads
from portal.presentation import signed_in_user
from storage.names import content_disposition
from storage.uploads import UploadError

bp = Blueprint("cases", __name__, url_prefix="/mis-tramites")
security.install_errors(bp)
CHUNK = 64 * 1024


def _user() -> User:
    return signed_in_user()


def _case(number: str) -> Instance:
    try:
        return access.visible_case_by_number(number, _user())
    except NotFound:
        abort(404)


def _answers_for_applicant(instance: Instance, user: User) -> bool:
    """The case is the person's, or they represent its applicant now (power in force for its procedure)."""
    return instance.started_by == user.username or access.represents(instance, user)


def _task(instance: Instance, task_id: str) -> Task:
    """A task of the case that waits for this citizen (its owner or their representative), or 404."""
    task = cases.applicant_task(instance, task_id)
    if task is None or not _answers_for_applicant(instance, _user()):
        abort(404)
    return task


def summary(instance: Instance) -> cases.CaseSummary:
    """The case in plain words, now, in the city's zone."""
    rt = runtime()
    return cases.summarize(instance, rt.clock(), rt.settings["TIMEZONE"])


@bp.get("/")
@roles_required("citizen")
def index() -> ResponseReturnValue:
    """Every case of the person, or of the party they act for: number, procedure, state, step, actions."""
    party = representation.acting_party(_user())
    summaries = [summary(i) for i in cases.cases_of((party or _user()).username)]
    if party is not None:  # only the procedures the power covers
        summaries = [s for s in summaries if access.represents(s.instance, _user())]
    represented = cases.started_by_representatives([s.instance for s in summaries])
    return render_template("portal/cases.html", summaries=summaries, party=party, represented=represented)


@bp.get("/<number>")
@login_required
def detail(number: str) -> ResponseReturnValue:
    """One case: data, the answer and its rating, documents, timeline, certificates, pending tasks, tracking code."""
    instance = _case(number)
    owner = _answers_for_applicant(instance, _user())
    if owner:  # a case started elsewhere (REST, a sensor) gets its code when its owner first looks
        with unit_of_work():
            code: str | None = tracking.tracking_code(instance)
    else:
        code = tracking.existing_code(instance)
    return render_template("portal/case.html", summary=summary(instance), instance=instance,
                           documents=cases.documents(instance), timeline=cases.timeline(instance),
                           certificates=cases.certificates(instance), code=code, owner=owner,
                           notices=[n for n in receipt.notices_of_case(instance.id)
                                    if n.recipient == _user().username],
                           appointments=of_case(instance.id) if owner else [],
                           data=summary_lines.for_citizen(instance, runtime().settings["TIMEZONE"]),
                           answer=summary_lines.for_tracking(instance, runtime().settings["TIMEZONE"]),
                           rating=ratings.rating_of(instance), may_rate=ratings.may_rate(instance),
                           new=request.args.get("nuevo") == "1")


@bp.get("/<number>/documentos/<document_id>")
@login_required
def document(number: str, document_id: str) -> ResponseReturnValue:
    """A document of the case, streamed from storage with its display name (RFC 6266).

    A document notified to this person is a notice: reading it here is opening it, as from
    «Mis notificaciones» (the first opening makes it received).
    """
    instance = _case(number)
    username = _user().username
    try:
        notice = receipt.notice_of_document(username, instance.id, document_id)
        if notice is not None and notice.opened_at is None:
            with transaction() as ctx:
                found = receipt.open_notice(ctx, username, notice.id, runtime().documents.issue_certificate)
        else:
            found = expediente.document(instance.id, document_id)
    except NotFound:
        abort(404)
    return send_document(found)


def send_document(found: Document) -> Response:
    """Stream a document of a case from storage, under its display name (RFC 6266)."""
    stream = runtime().documents.store.get(found.storage_key)

    def chunks() -> Any:
        with stream:
            while block := stream.read(CHUNK):
                yield block

    response = Response(chunks(), mimetype=found.content_type)
    response.headers["Content-Disposition"] = content_disposition(found.filename)
    response.headers["Content-Length"] = str(found.size)
    return response


@bp.route("/<number>/tareas/<task_id>", methods=["GET", "POST"])
@login_required
def task(number: str, task_id: str) -> ResponseReturnValue:
    """A task the staff left for the citizen (a correction): its form.

    A POST here is the form's htmx re-render (``hx-post=""`` posts to the page's own URL).
    """
    if request.method == "POST":
        return complete_task()
    instance = _case(number)
    found = _task(instance, task_id)
    schema, ui = forms_io.task_form(found)
    return _task_page(instance, found, forms.render(schema, ui, None) if schema else None)


def _posted_task() -> tuple[Instance, Task]:
    """The case and task a post names (fields or query ``expediente`` and ``tarea``); 400 without them."""
    number = request.args.get("expediente") or request.form.get("expediente") or ""
    task_id = request.args.get("tarea") or request.form.get("tarea") or ""
    if not number or not task_id:
        abort(400)
    instance = _case(number[:40])
    return instance, _task(instance, task_id[:36])


@bp.post("/tareas")
@login_required
def complete_task() -> ResponseReturnValue:
    """Complete a task of the citizen with its form (errors next to the fields, data kept)."""
    instance, found = _posted_task()
    schema, ui = forms_io.task_form(found)
    uploads.allow_large_bodies()
    acting = schema is not None and forms.has_action(request.form)
    waiting = None if acting else uploads.still_uploading(request.form)  # a re-render may come mid-upload
    if waiting and schema is not None:  # keep what was typed and the files that did finish
        kept = forms.parse_submission(schema, request.form, {}, ui)
        return _task_page(instance, found, forms.render(schema, ui, kept, {"": [waiting]}), 422)
    user = _user()
    scope = drafts.case_scope(instance.id)
    used = drafts.case_bytes(instance.id) + drafts.pending_bytes(user.id, scope)
    received = uploads.upload_form_files(user, scope, used, instance.id)
    if acting:
        result = forms.apply_action(schema, request.form, received.refs, ui)
        return _task_page(instance, found, result.html)
    data = forms.parse_submission(schema, request.form, received.refs, ui) if schema else {}
    submission = Submission(data if isinstance(data, dict) else {}, earlier=EarlierUploads(user.id, scope))
    if received.errors:  # nothing completes; every other problem is shown with the upload's
        errors = completion.problems(found, submission)
        for pointer, messages in received.errors.items():
            errors.setdefault(pointer, []).extend(messages)
    else:
        try:
            with transaction() as ctx:
                # A representative answers as the applicant (whose task it is); the trail names both.
                completion.complete_task(ctx, found.id, submission, Actor(name=instance.started_by))
                if instance.started_by != user.username:
                    powers.record_act(instance, user, cases.applicant_of(instance), "respuesta", found.id)
            flash(_("Recibimos su respuesta a «%(task)s». Le avisaremos en «Novedades» cuando el expediente avance.",
                    task=found.name))
            return redirect(url_for("cases.detail", number=instance.number))
        except DataInvalid as e:
            errors = completion.field_errors(e)
        except Conflict as e:
            errors = {"": [e.message]}
    html = forms.render(schema, ui, submission.data, errors) if schema else None
    return _task_page(instance, found, html, 422)


def _task_page(instance: Instance, task: Task, form: Any, status: int = 200) -> ResponseReturnValue:
    return render_template("portal/task.html", instance=instance, task=task, form=form), status


@bp.post("/tareas/archivo")
@login_required
def task_upload() -> ResponseReturnValue:
    """One file of a task's form (``?expediente=…&tarea=…``), sent alone by the progress-bar script."""
    instance, _found = _posted_task()
    user = _user()
    uploads.allow_large_bodies()
    scope = drafts.case_scope(instance.id)
    used = drafts.case_bytes(instance.id) + drafts.pending_bytes(user.id, scope)
    try:
        ref = uploads.upload_one(user, scope, used, instance.id)
    except UploadError as e:
        return jsonify({"error": e.public_message}), e.status
    return jsonify({"referencia": ref}), 201
