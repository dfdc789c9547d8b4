"""The task page (``/bandeja/tareas/<id>``): the task's form, and completing it.

File fields upload as the portal's do (checked while streaming by ``storage.uploads``);
each file joins the case file as an ``attached`` document when the task completes. Someone
else completing the task first is a 409 with a Spanish message, never a stack trace.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from engine import audit
from engine.casefile import access, expediente
from engine.casefile.expediente import NewDocument
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.models import Task
from engine.privacy import reads
from engine.workflow import completion, forms_io, human_tasks
from engine.workflow.completion import Submission
from storage.antivirus import ClamdScanner
from storage.base import Storage
from storage.uploads import MB, CaseQuota, UploadError, receive_each
from worklists import web
from worklists.queries import case_view

bp = Blueprint("task_page", __name__, url_prefix="/bandeja/tareas", template_folder="templates")
web.install_errors(bp)
STAFF = ("staff", "supervisor")
#: Analysts reach the page for their test cases only (``human_tasks.may_work_on`` decides).
WORKERS = (*STAFF, "analyst")
DEFAULT_CASE_MB = 100  # as the portal's uploads


def visible_task(task_id: str) -> Task:
    """The task, when the signed-in person may work on it (others: 404)."""
    task = human_tasks.get(task_id)
    # A test case's applicant task is done here too: the analyst plays the citizen as well.
    applicants_elsewhere = task.for_applicant and not task.instance.is_test
    if applicants_elsewhere or not human_tasks.may_work_on(task, web.actor_of(web.user())):
        raise NotFound("La tarea no existe.")
    return task


def may_complete(task: Task) -> bool:
    person = web.user()
    return task.status == "ready" and (task.assignee in (None, person.username) or "admin" in person.role_set)


@bp.route("/<task_id>", methods=["GET", "POST"])
@roles_required(*WORKERS)
def show(task_id: str) -> ResponseReturnValue:
    """The task, its instructions and its form (a POST here is the form's htmx re-render or submit)."""
    if request.method == "POST":
        return complete()
    task = visible_task(task_id)
    schema, ui = forms_io.task_form(task)
    html = forms.render(schema, ui, None) if schema is not None and may_complete(task) else None
    return _page(task, html)


def _page(task: Task, form_html: Any, problems: list[str] | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("worklists/task.html", task=task, form_html=form_html, problems=problems or [],
                           may_complete=may_complete(task), now=web.now(), local_time=web.local,
                           me=web.user().username, panels=web.case_panels(task.instance),
                           seen=_reviewed(task)), status


def _reviewed(task: Task) -> case_view.Overview:
    """What the case view shows of the case: its summary, its documents and its places (the
    sensitive fields among them are recorded as read)."""
    seen = case_view.overview(task.instance, web.runtime().settings["TIMEZONE"])
    with web.transaction():
        reads.record_case_view(task.instance, web.user().username, "tarea", web.now())
    if access.may_see(task.instance, web.user()):
        return seen
    return replace(seen, documents=[], views={})  # who may work on a test case, not open its file


@bp.post("/completar")
@roles_required(*WORKERS)
def complete() -> ResponseReturnValue:
    """Complete the task with its form's data (or re-render the form for one of its actions)."""
    task_id = request.form.get("tarea", "")
    if not task_id:
        return web.error_page(400, _("Falta indicar la tarea."))
    task = visible_task(task_id)
    if not may_complete(task):
        return _conflict(task)
    schema, ui = forms_io.task_form(task)
    try:
        files = _receive_files(task)
    except UploadError as e:
        return _page(task, forms.render(schema, ui, None) if schema else None, [e.public_message], e.status)
    if schema is not None and forms.has_action(request.form):
        result = forms.apply_action(schema, request.form, files, ui)
        return _page(task, result.html)
    data = forms.parse_submission(schema, request.form, files, ui) if schema is not None else {}
    choices = forms.read_choices(schema, request.form, ui) if schema is not None else {}
    submission = Submission(data, choices, attached=tuple(_attached(ref) for ref in files.values()))
    name, number, test = task.name, task.instance.number, task.instance.is_test
    back = (url_for("trial.case", instance_id=task.instance.id) if test
            else url_for("inbox.index", bandeja="mias"))
    try:
        with web.transaction() as ctx:
            completion.complete_task(ctx, task.id, submission, web.actor_of(web.user()))
    except DataInvalid as e:
        errors = completion.field_errors(e)
        html = forms.render(schema, ui, data, errors, choices=choices) if schema is not None else None
        return _page(visible_task(task.id), html, [_("Hay datos que corregir en el formulario.")], 422)
    except Conflict as e:
        return _conflict(visible_task(task.id), e.message)
    flash(_("Completó «%(task)s» del expediente %(number)s.", task=name, number=number), "ok")
    return redirect(back, 303)


def _attached(reference: dict[str, Any]) -> NewDocument:
    return NewDocument(kind="attached", title=reference["name"], filename=reference["name"],
                       content_type=reference["content_type"], size=reference["size"],
                       sha256=reference["sha256"], storage_key=reference["key"])


def _conflict(task: Task, message: str | None = None) -> ResponseReturnValue:
    if task.status != "ready":
        text = _("Otra persona ya completó esta tarea; no hace falta hacerlo de nuevo.")
    else:
        text = message or _("La tarea está asignada a %(who)s.", who=task.assignee)
    return _page(task, None, [text], 409)


def _receive_files(task: Task) -> dict[str, dict[str, Any]]:
    """Store each uploaded file (checked by content, size and the case's quota) by field.

    The same checks as the portal's uploads: the clamd scanner when ``CLAMD_URL`` is
    set, and a refusal leaves an audit event on the case.
    """
    rt = web.runtime()
    limit = int(rt.settings.get("MAX_UPLOAD_MB") or 25) * MB
    case_limit = int(rt.settings.get("MAX_CASE_MB") or DEFAULT_CASE_MB) * MB
    clamd = rt.settings.get("CLAMD_URL")
    scanner = ClamdScanner.from_url(clamd) if clamd else None
    found: dict[str, dict[str, Any]] = {}
    received = receive_each(cast(Storage, rt.documents.store), request.files.items(multi=True), max_bytes=limit,
                            case_quota=CaseQuota(case_limit, _used_bytes(task.instance_id)), scanner=scanner)
    for input_name, name, outcome in received:
        if isinstance(outcome, UploadError):
            with web.transaction():
                audit.record("upload_refused", web.user().username, instance_id=task.instance_id, task_id=task.id,
                             data={"reason": outcome.reason, "name": name[:300]})
            raise outcome
        found[input_name] = {"key": outcome.key, "name": outcome.display_name, "content_type": outcome.content_type,
                             "size": outcome.size, "sha256": outcome.sha256}
    return found


def _used_bytes(instance_id: str) -> int:
    return sum(d.size for d in expediente.documents(instance_id))
