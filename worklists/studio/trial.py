"""«Probar»: try a studio draft or a deployed version with test cases, every lane played from one page.

A draft is deployed as a trial version (:mod:`engine.studio.trials`: its own key, only test
cases start on it, out of the guide, the catalogue and the API); a deployed version is tried
as it is. The version's page shows its start form and test cases; each test case has one page
with the diagram of the path it took, the form of any of its ready tasks (the applicant's and
the staff's alike: in a test case the analyst plays every role, ``human_tasks.may_work_on``),
«Adelantar reloj» and «Borrar». The rules of test cases live in
:mod:`engine.workflow.testcases`; this module is only the pages.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from engine.casefile import drafts as uploads
from engine.errors import BundleError, Conflict, DataInvalid, DeploymentInvalid, NotFound
from engine.identity.access import roles_required
from engine.models import Deployment, Instance, StudioDraft, Task
from engine.studio import drafts, trials
from engine.workflow import completion, deployments, forms_io, instances, outbox, testcases
from engine.workflow.completion import Submission
from engine.workflow.validation import Problem
from storage.uploads import MB, UploadError
from worklists import start_files, task_page, test_cases, web
from worklists.queries import case_view

bp = Blueprint("trial", __name__, url_prefix="/estudio")
web.install_errors(bp)
ANALYSTS = ("analyst",)


# -- a draft: deploy it as a trial version ------------------------------------------------------------------


@bp.get("/borradores/<int:draft_id>/probar")
@roles_required(*ANALYSTS)
def draft(draft_id: int) -> ResponseReturnValue:
    """The draft's trial versions and the button that tries it as it is now."""
    return _draft_page(drafts.get(draft_id))


def _draft_page(found: StudioDraft, problems: list[Problem] | None = None, warnings: list[Problem] | None = None,
                status: int = 200) -> ResponseReturnValue:
    tried = trials.versions_of(found)
    return render_template("worklists/studio/trial_draft.html", draft=found, versions=tried,
                           counts=trials.case_counts(tried), problems=problems or [], warnings=warnings or [],
                           local_time=web.local), status


@bp.post("/borradores/<int:draft_id>/probar")
@roles_required(*ANALYSTS)
def try_draft(draft_id: int) -> ResponseReturnValue:
    """Deploy the draft as a trial version (checked as a real deploy) and open its test page."""
    found = drafts.get(draft_id)
    rt = web.runtime()
    try:
        with web.transaction():
            result = trials.deploy(found, web.user().username, rt.operations(), rt.known_groups,
                                   rt.validate_params, rt.documents.check_template)
            key, number, created = result.deployment.key, result.deployment.version, result.created
    except DeploymentInvalid as e:
        return _draft_page(drafts.get(draft_id), _problems(e.errors), _problems(e.warnings), 422)
    except BundleError as e:
        return _draft_page(drafts.get(draft_id), _problems(e.errors or [{"message": e.message}]), [], 422)
    except (Conflict, DataInvalid) as e:
        flash(e.message, "error")
        return redirect(url_for(".draft", draft_id=draft_id), 303)
    if created:
        flash(_("Se desplegó la versión de prueba %(n)s del borrador.", n=number), "ok")
    else:
        flash(_("El borrador no cambió desde su última prueba: se usa la versión de prueba %(n)s.", n=number), "ok")
    return redirect(url_for(".version", key=key, version=number), 303)


def _problems(raw: Any) -> list[Problem]:
    """The problems of a refused deploy, each with its file, element, message and line (when known)."""
    return [{**{k: "" for k in ("file", "element", "message")}, **item} for item in raw or [] if isinstance(item, dict)]


@bp.post("/procedimientos/<key>/versiones/<int:version>/probar")
@roles_required(*ANALYSTS)
def try_version(key: str, version: int) -> ResponseReturnValue:
    """Try a deployed version as it is: its test page."""
    found = deployments.version(key, version)
    return redirect(url_for(".version", key=found.key, version=found.version), 303)


# -- a version: its start form and its test cases ----------------------------------------------------------


@bp.get("/probar/<key>/<int:version>")
@roles_required(*ANALYSTS)
def version(key: str, version: int) -> ResponseReturnValue:
    """The version's start form and its test cases."""
    found = deployments.version(key, version)
    schema, ui = forms_io.start_form(found)
    return _version_page(found, forms.render(schema, ui, None) if schema is not None else None)


def _version_page(found: Deployment, form_html: Any, problems: list[str] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    now = web.now()
    cases = [test_cases.CaseView(case, now + timedelta(seconds=case.clock_offset or 0), instances.ready_tasks(case))
             for case in testcases.of_version(found) if _mine(case)]
    return render_template("worklists/studio/trial_version.html", deployment=found, form_html=form_html,
                           problems=problems or [], cases=cases, local_time=web.local,
                           draft_id=_draft_of(found)), status


@bp.post("/probar/<key>/<int:version>")
@roles_required(*ANALYSTS)
def start(key: str, version: int) -> ResponseReturnValue:
    """Start a test case with the start form's data and open its page (errors next to the fields)."""
    request.max_content_length = start_files.case_bytes() + MB
    found = deployments.version(key, version)
    person = web.user()
    schema, ui = forms_io.start_form(found)
    scope = uploads.start_scope(found.key)
    received = start_files.receive_files(person, scope)
    if schema is not None and forms.has_action(request.form):
        return _version_page(found, forms.apply_action(schema, request.form, received.refs, ui).html)
    posted = start_files.read_start_form(schema, ui, received)
    data, choices, errors = posted.data, posted.choices, posted.errors
    if not errors:
        try:
            with web.transaction() as ctx:
                files = uploads.check_files(person.id, scope, data)
                case = testcases.start(ctx, found, data, person.username,
                                       on_created=lambda c: uploads.claim_files(c.id, files, person.username, scope,
                                                                                person.id, schema=schema))
                case_id, case_number = case.id, case.number
        except DataInvalid as e:
            for item in e.errors:
                errors.setdefault(str(item.get("pointer", "")), []).append(str(item.get("message", e.message)))
            errors = errors or {"": [e.message]}
    if errors:
        html = forms.render(schema, ui, data, errors, choices=choices) if schema is not None else None
        return _version_page(found, html, [_("Hay datos que corregir en el formulario."), *errors.get("", [])], 422)
    flash(_("Inició el caso de prueba %(number)s.", number=case_number), "ok")
    return redirect(url_for(".case", instance_id=case_id), 303)


@bp.post("/probar/<key>/<int:version>/borrar-todos")
@roles_required(*ANALYSTS)
def delete_all(key: str, version: int) -> ResponseReturnValue:
    """Delete every test case of the version the signed-in analyst plays."""
    found = deployments.version(key, version)
    with web.transaction() as ctx:
        discard = testcases.discard_after_commit(ctx, web.runtime().documents.store)
        gone = [testcases.delete(case.id, web.user().username, discard)
                for case in testcases.of_version(found) if _mine(case)]
    flash(_("Se borraron %(count)s casos de prueba.", count=len(gone)), "ok")
    return redirect(url_for(".version", key=key, version=version), 303)


def _draft_of(found: Deployment) -> int | None:
    """The draft a trial version was tried from, while it still exists (for the link back to it)."""
    draft_id = trials.draft_id_of(found)
    if draft_id is None:
        return None
    try:
        return drafts.get(draft_id).id
    except NotFound:
        return None


# -- a test case: play every lane, move its clock, see its path ----------------------------------------------


@bp.get("/probar/casos/<instance_id>")
@roles_required(*ANALYSTS)
def case(instance_id: str) -> ResponseReturnValue:
    """The test case: its path on the diagram, the form of one of its ready tasks, its clock."""
    found = _case(instance_id)
    tasks = instances.ready_tasks(found)
    chosen = _chosen(tasks)
    return _case_page(found, tasks, chosen, _form_of(chosen, None))


@bp.post("/probar/casos/<instance_id>")
@roles_required(*ANALYSTS)
def case_form(instance_id: str) -> ResponseReturnValue:
    """The shown task's form, re-rendered for an answer that shows or hides fields.

    htmx posts a form's re-render to the page's own address (the task page takes them there), so
    on this page it comes here; it is handled as the task's own address handles it.
    """
    chosen = _chosen(instances.ready_tasks(_case(instance_id)))
    return complete(instance_id, chosen.id if chosen is not None else "")


def _chosen(tasks: list[Task]) -> Task | None:
    """The ready task the page shows: the one its address names, else the first."""
    return next((t for t in tasks if t.id == request.args.get("tarea")), tasks[0] if tasks else None)


def _case(instance_id: str) -> Instance:
    """A test case the signed-in analyst may play (others' test cases and real cases: 404)."""
    try:
        found = testcases.get(instance_id)
    except Conflict:
        raise NotFound("No existe ese caso de prueba.") from None
    if not _mine(found):
        raise NotFound("No existe ese caso de prueba.")
    return found


def _mine(found: Instance) -> bool:
    """Whether the signed-in person plays this test case: the analyst who started it, or an administrator."""
    person = web.user()
    return found.started_by == person.username or "admin" in person.role_set


def _form_of(task: Task | None, data: Any, errors: Any = None, choices: Any = None) -> Any:
    if task is None:
        return None
    schema, ui = forms_io.task_form(task)
    return forms.render(schema, ui, data, errors, choices=choices) if schema is not None else None


def _case_page(found: Instance, tasks: list[Task], chosen: Task | None, form_html: Any,
               problems: list[str] | None = None, status: int = 200) -> ResponseReturnValue:
    now = web.now()
    view = test_cases.CaseView(found, now + timedelta(seconds=found.clock_offset or 0), tasks,
                               [m for m in outbox.of_instance(found.id) if m.status == "suppressed"],
                               test_cases.end_reached(found))
    return render_template("worklists/studio/trial_case.html", case=view, chosen=chosen, form_html=form_html,
                           problems=problems or [], local_time=web.local, units=test_cases.UNITS,
                           max_amount=test_cases.MAX_AMOUNT, diagram=case_view.diagram_xml(found),
                           done=json.dumps(case_view.path_taken(found.id)),
                           current=json.dumps(list(dict.fromkeys([*case_view.current_elements(found.id),
                                                                  *trials.waiting_elements(found)]))),
                           draft_id=_draft_of(found.deployment),
                           timeline=case_view.timeline(found.id)), status


@bp.post("/probar/casos/<instance_id>/tareas/<task_id>")
@roles_required(*ANALYSTS)
def complete(instance_id: str, task_id: str) -> ResponseReturnValue:
    """Complete one of the case's tasks (any lane's) with its form, or re-render the form for one of its actions."""
    found = _case(instance_id)
    task = next((t for t in instances.ready_tasks(found) if t.id == task_id), None)
    if task is None:
        flash(_("Esa tarea ya no está pendiente."), "error")
        return redirect(url_for(".case", instance_id=instance_id), 303)
    schema, ui = forms_io.task_form(task)
    try:
        files = task_page._receive_files(task)
    except UploadError as e:
        return _case_page(found, instances.ready_tasks(found), task, _form_of(task, None), [e.public_message],
                          e.status)
    if schema is not None and forms.has_action(request.form):
        return _case_page(found, instances.ready_tasks(found), task,
                          forms.apply_action(schema, request.form, files, ui).html)
    data = forms.parse_submission(schema, request.form, files, ui) if schema is not None else {}
    choices = forms.read_choices(schema, request.form, ui) if schema is not None else {}
    submission = Submission(data, choices, attached=tuple(task_page._attached(ref) for ref in files.values()))
    name = task.name
    try:
        with web.transaction() as ctx:
            completion.complete_task(ctx, task.id, submission, web.actor_of(web.user()))
    except DataInvalid as e:
        html = _form_of(task, data, completion.field_errors(e), choices)
        found = _case(instance_id)
        return _case_page(found, instances.ready_tasks(found), task, html,
                          [_("Hay datos que corregir en el formulario.")], 422)
    flash(_("Completó «%(task)s».", task=name), "ok")
    return redirect(url_for(".case", instance_id=instance_id), 303)


@bp.post("/probar/casos/<instance_id>/reloj")
@roles_required(*ANALYSTS)
def advance(instance_id: str) -> ResponseReturnValue:
    """«Adelantar reloj»: move the case's clock forward; what falls due fires now."""
    _case(instance_id)
    amount = test_cases.amount(web.runtime().engine_context(), instance_id)
    if amount is None:
        flash(_("Indique cuánto adelantar: un número entero entre 1 y %(max)s y una unidad.",
                max=test_cases.MAX_AMOUNT), "error")
        return redirect(url_for(".case", instance_id=instance_id), 303)
    with web.transaction() as ctx:
        moved = testcases.advance(ctx, instance_id, amount, web.user().username)
        number, status = moved.number, moved.status
    flash(_("Se adelantó el reloj de %(number)s; el caso quedó «%(status)s».", number=number, status=status), "ok")
    return redirect(url_for(".case", instance_id=instance_id), 303)


@bp.post("/probar/casos/<instance_id>/borrar")
@roles_required(*ANALYSTS)
def delete(instance_id: str) -> ResponseReturnValue:
    """Delete the test case with its tasks, documents and messages; back to its version's page."""
    found = _case(instance_id)
    back = url_for(".version", key=found.process_key, version=found.version)
    with web.transaction() as ctx:
        number = testcases.delete(instance_id, web.user().username,
                                  testcases.discard_after_commit(ctx, web.runtime().documents.store))
    flash(_("Se borró el caso de prueba %(number)s.", number=number), "ok")
    return redirect(back, 303)
