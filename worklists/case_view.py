"""The case view (``/bandeja/expedientes/<number>``) for staff and auditors.

Everything about one case: its data, documents, timeline, the BPMN diagram with the path
taken and the current position, internal comments and what its open tasks allow. Who may
see it is :mod:`engine.casefile.access`'s one rule (anyone else: 404); auditors read it all and
get no buttons, and the comment POST refuses them by its role marker.
"""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.appointments.of_case import of_case
from engine.casefile import access, assembly, expediente
from engine.errors import DataInvalid
from engine.identity.access import roles_required
from engine.models import Instance
from engine.notices import receipt
from engine.notices.models import Notice
from engine.privacy import reads
from engine.records import closure
from engine.web import downloads
from engine.workflow import instances
from engine.workflow.human_tasks import may_work_on
from worklists import web
from worklists.queries import case_view

bp = Blueprint("case_view", __name__, url_prefix="/bandeja/expedientes", template_folder="templates")
web.install_errors(bp)
READERS = ("staff", "supervisor", "auditor", "archivist")
WRITERS = ("staff", "supervisor")
#: A document shown inline runs nothing and loads nothing; only our own pages may frame it.
INLINE_CSP = "default-src 'none'; frame-ancestors 'self'"


def _case(number: str) -> Instance:
    return access.visible_case_by_number(number, web.user())


@bp.get("/<number>")
@roles_required(*READERS)
def show(number: str) -> ResponseReturnValue:
    """The whole case on one page."""
    return _page(_case(number))


def _page(instance: Instance, comment: str = "", comment_error: str = "", status: int = 200) -> ResponseReturnValue:
    person = web.user()
    read_only = access.read_only(person)
    actor = web.actor_of(person)
    tasks = [t for t in instances.ready_tasks(instance) if not t.for_applicant]
    xml = case_view.diagram_xml(instance)
    seen = case_view.overview(instance, web.runtime().settings["TIMEZONE"])
    with web.transaction():  # the page shows the case's data: its sensitive fields are read now
        reads.record_case_view(instance, person.username, "expediente", web.now())
    return render_template(
        "worklists/case.html", instance=instance, read_only=read_only, declared=seen.declared, data=seen.data,
        documents=seen.documents, views=seen.views, places=seen.places, timeline=case_view.timeline(instance.id),
        comments=case_view.comments(instance.id), tasks=tasks, workable={t.id for t in tasks if may_work_on(t, actor)},
        xml=xml, done=json.dumps(case_view.path_taken(instance.id)),
        current=json.dumps(case_view.current_elements(instance.id)), incidents=instances.open_incidents(instance),
        status_label=assembly.STATUS_LABELS.get(instance.status, instance.status), kinds=assembly.KIND_LABELS,
        comment=comment, comment_error=comment_error, me=person.username, now=web.now(), local_time=web.local,
        panels=web.case_panels(instance), record=closure.record_of(instance.id),
        finished=instance.status in closure.FINISHED,
        notices=_notices(instance), appointments=of_case(instance.id),
    ), status


def _notices(instance: Instance) -> list[tuple[Notice, str | None]]:
    """The case's notices, each with the case-file document of its signed proof (once received)."""
    found: list[tuple[Notice, str | None]] = []
    for notice in receipt.notices_of_case(instance.id):
        proof = expediente.find_certificate(notice.proof_code) if notice.proof_code else None
        found.append((notice, proof.document_id if proof is not None else None))
    return found


@bp.get("/<number>/documentos/<document_id>")
@roles_required(*READERS)
def document(number: str, document_id: str) -> ResponseReturnValue:
    """One document's bytes, named as its author named it (RFC 6266 ``Content-Disposition``)."""
    instance = _case(number)
    return downloads.document(expediente.document(instance.id, document_id))


@bp.get("/<number>/documentos/<document_id>/ver")
@roles_required(*READERS)
def view_document(number: str, document_id: str) -> ResponseReturnValue:
    """One document to look at inside the staff's pages: a PDF or a picture inline, framed by our
    pages only (this response alone allows ``frame-ancestors 'self'``); anything else downloads."""
    found = expediente.document(_case(number).id, document_id)
    response = downloads.document(found)
    if found.content_type in case_view.INLINE_TYPES:
        disposition = response.headers["Content-Disposition"]
        response.headers["Content-Disposition"] = "inline" + disposition.removeprefix("attachment")
        response.headers["Content-Security-Policy"] = INLINE_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/<number>/expediente.pdf")
@roles_required(*READERS)
def case_file(number: str) -> ResponseReturnValue:
    """The whole case file as one PDF, made now (its sensitive fields are recorded as read)."""
    instance = _case(number)
    response = downloads.case_file(instance)
    with web.transaction():
        reads.record_case_view(instance, web.user().username, "expediente_pdf", web.now())
    return response


@bp.post("/comentar")
@roles_required(*WRITERS)
def comment() -> ResponseReturnValue:
    """Add an internal comment to a case (staff only; the citizen never sees it)."""
    number = request.form.get("expediente", "")
    if not number:
        return web.error_page(400, _("Falta indicar el expediente."))
    instance = _case(number)
    closure.refuse_if_closed(instance.id)
    text = request.form.get("texto", "")
    try:
        with web.transaction():
            case_view.add_comment(instance.id, web.user().username, text, web.now())
    except DataInvalid as e:
        return _page(_case(number), text, e.message, 400)
    flash(_("Comentario agregado."), "ok")
    return redirect(url_for("case_view.show", number=number, _anchor="comentarios"), 303)
