"""The analysts' test cases (``/estudio/pruebas/``): try a deployed version without a trace.

An analyst (or an administrator) starts test cases of any version with its real start form,
sees them with their own clock, moves a case's clock forward (its due timers fire at once),
opens any of its tasks on the real task page and deletes one case or all of them. The rules
live in :mod:`engine.workflow.testcases`; this module is only the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

import forms
from engine.casefile import assembly, drafts
from engine.db import db
from engine.errors import DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.models import AuditEvent, Deployment, Instance, Task
from engine.workflow import deployments, forms_io, instances, outbox, testcases
from engine.workflow.step import EngineContext
from storage.uploads import MB
from worklists import start_files, web

bp = Blueprint("test_cases", __name__, url_prefix="/estudio/pruebas", template_folder="templates")
web.install_errors(bp)
ANALYSTS = ("analyst",)
#: The units of «Adelantar reloj»: form value -> one unit; business days are counted on the calendar.
UNITS = {"horas": timedelta(hours=1), "dias": timedelta(days=1), "semanas": timedelta(weeks=1)}
BUSINESS_DAYS = "dias_habiles"
#: What one move may ask for, in each unit (the engine refuses beyond a year anyway).
MAX_AMOUNT = 999


@dataclass
class CaseView:
    """One test case as the page lists it."""

    instance: Instance
    clock: datetime
    tasks: list[Task]
    suppressed: list[outbox.OutboxMessage] = field(default_factory=list)
    #: The name of the end event a finished case reached («Archivado sin respuesta»), when it has one.
    ended: str | None = None

    @property
    def status(self) -> str:
        """The case's state in Spanish, as the case file says it."""
        return assembly.STATUS_LABELS.get(self.instance.status, self.instance.status)

    @property
    def next_timer(self) -> datetime | None:
        """When the next timer fires on the case's own clock (the index keeps the platform's)."""
        due = self.instance.next_timer_at
        return due + timedelta(seconds=self.instance.clock_offset or 0) if due is not None else None


@bp.get("/")
@roles_required(*ANALYSTS)
def index() -> ResponseReturnValue:
    """Every deployed procedure with its versions, to pick one to try."""
    found = [(d, deployments.versions(d.key)) for d in deployments.catalogue()]
    return render_template("worklists/test_cases_index.html", procedures=found)


@bp.get("/<key>/<version>")
@roles_required(*ANALYSTS)
def version(key: str, version: str) -> ResponseReturnValue:
    """The version's start form and its test cases."""
    deployment = _deployment(key, version)
    schema, ui = forms_io.start_form(deployment)
    return _page(deployment, forms.render(schema, ui, None) if schema is not None else None)


def _page(deployment: Deployment, form_html: Any, problems: list[str] | None = None,
          status: int = 200) -> ResponseReturnValue:
    now = web.now()
    cases = [CaseView(case, now + timedelta(seconds=case.clock_offset or 0), instances.ready_tasks(case),
                      [m for m in outbox.of_instance(case.id) if m.status == "suppressed"], _end_reached(case))
             for case in testcases.of_version(deployment)]
    return render_template("worklists/test_cases.html", deployment=deployment, form_html=form_html,
                           problems=problems or [], cases=cases, local_time=web.local, units=UNITS,
                           max_amount=MAX_AMOUNT), status


def _end_reached(case: Instance) -> str | None:
    """The name of the last end event the case's trail records (only finished cases have one)."""
    if case.status != "completed":
        return None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id,
                                                         AuditEvent.type == "element_completed")
                                .order_by(AuditEvent.id.desc()))
    for event in events:
        if (event.data or {}).get("type") == "EndEvent":
            return str(event.data.get("name") or event.element_id or "") or None
    return None


@bp.post("/<key>/<version>")
@roles_required(*ANALYSTS)
def start(key: str, version: str) -> ResponseReturnValue:
    """Start a test case with the start form's data (errors next to the fields, the data kept)."""
    request.max_content_length = start_files.case_bytes() + MB
    try:
        deployment = _deployment(key, version)
    except NotFound as e:
        return _gone(e)
    person = web.user()
    schema, ui = forms_io.start_form(deployment)
    scope = drafts.start_scope(deployment.key)
    received = start_files.receive_files(person, scope)
    refs, upload_errors = received.refs, received.errors
    if schema is not None and forms.has_action(request.form):
        return _page(deployment, forms.apply_action(schema, request.form, refs, ui).html)
    data = forms.parse_submission(schema, request.form, refs, ui) if schema is not None else {}
    data = data if isinstance(data, dict) else {}
    choices = forms.read_choices(schema, request.form, ui) if schema is not None else {}
    errors: dict[str, list[str]] = dict(forms.validate(schema, data, choices)) if schema is not None else {}
    for pointer, messages in upload_errors.items():
        errors.setdefault(pointer, []).extend(messages)
    if errors:
        return _invalid(deployment, (schema, ui), data, errors, choices)
    try:
        with web.transaction() as ctx:
            uploads = drafts.check_files(person.id, scope, data)
            case = testcases.start(ctx, deployment, data, person.username,
                                   on_created=lambda c: drafts.claim_files(c.id, uploads, person.username, scope,
                                                                           person.id))
            case_number = case.number
    except DataInvalid as e:
        for item in e.errors:
            errors.setdefault(str(item.get("pointer", "")), []).append(str(item.get("message", e.message)))
        return _invalid(deployment, (schema, ui), data, errors or {"": [e.message]}, choices)
    flash(_("Inició el caso de prueba %(number)s.", number=case_number), "ok")
    return redirect(_back(deployment), 303)


def _invalid(deployment: Deployment, form: tuple[Any, Any], data: dict[str, Any], errors: dict[str, list[str]],
             choices: Any) -> ResponseReturnValue:
    """The start form again with the typed data and each message next to its field (422)."""
    schema, ui = form
    html = forms.render(schema, ui, data, errors, choices=choices) if schema is not None else None
    return _page(deployment, html, [_("Hay datos que corregir en el formulario."), *errors.get("", [])], 422)


@bp.post("/casos/<instance_id>/reloj")
@roles_required(*ANALYSTS)
def advance(instance_id: str) -> ResponseReturnValue:
    """«Adelantar reloj»: move the case's clock forward; what falls due fires now."""
    try:
        case = testcases.get(instance_id)
    except NotFound as e:
        return _gone(e)
    back = url_for(".version", key=case.process_key, version=case.version)
    amount = _amount(web.runtime().engine_context(), instance_id)
    if amount is None:
        flash(_("Indique cuánto adelantar: un número entero entre 1 y %(max)s y una unidad.", max=MAX_AMOUNT),
              "error")
        return redirect(back, 303)
    with web.transaction() as ctx:
        moved = testcases.advance(ctx, instance_id, amount, web.user().username)
        number, status = moved.number, moved.status
    flash(_("Se adelantó el reloj de %(number)s; el caso quedó «%(status)s».", number=number, status=status), "ok")
    return redirect(back, 303)


def _amount(ctx: EngineContext, instance_id: str) -> timedelta | None:
    """The form's amount and unit as a duration (business days by the holiday calendar)."""
    unit = request.form.get("unidad", "")
    try:
        count = int(request.form.get("cantidad", ""))
    except ValueError:
        return None
    if unit not in (*UNITS, BUSINESS_DAYS) or not 1 <= count <= MAX_AMOUNT:
        return None
    if unit == BUSINESS_DAYS:
        try:
            return testcases.business_days_ahead(ctx, instance_id, count)
        except DataInvalid:
            return None
    return UNITS[unit] * count


@bp.post("/casos/<instance_id>/borrar")
@roles_required(*ANALYSTS)
def delete(instance_id: str) -> ResponseReturnValue:
    """Delete one test case with its tasks, documents and messages."""
    try:
        case = testcases.get(instance_id)
    except NotFound as e:
        return _gone(e)
    back = url_for(".version", key=case.process_key, version=case.version)
    with web.transaction() as ctx:
        number = testcases.delete(instance_id, web.user().username,
                                  testcases.discard_after_commit(ctx, web.runtime().documents.store))
    flash(_("Se borró el caso de prueba %(number)s.", number=number), "ok")
    return redirect(back, 303)


@bp.post("/<key>/<version>/borrar-todos")
@roles_required(*ANALYSTS)
def delete_all(key: str, version: str) -> ResponseReturnValue:
    """Delete every test case of the version."""
    try:
        deployment = _deployment(key, version)
    except NotFound as e:
        return _gone(e)
    with web.transaction() as ctx:
        gone = testcases.delete_all(deployment, web.user().username,
                                    testcases.discard_after_commit(ctx, web.runtime().documents.store))
    flash(_("Se borraron %(count)s casos de prueba.", count=len(gone)), "ok")
    return redirect(_back(deployment), 303)


def _deployment(key: str, version: str) -> Deployment:
    """The deployed version named in the URL.

    :raises NotFound: for an unknown key or version (or one that is not a number).
    """
    if not version.isdigit() or len(version) > 9:
        raise NotFound("No existe esa versión del trámite.")
    return deployments.version(key, int(version))


def _back(deployment: Deployment) -> str:
    return url_for(".version", key=deployment.key, version=deployment.version)


def _gone(error: NotFound) -> ResponseReturnValue:
    """A post about a version or case that is no longer there (deleted in another tab): back to the list."""
    flash(error.message, "error")
    return redirect(url_for(".index"), 303)


