"""A citizen's cases as the portal shows them: start one, list them, follow each in plain words.

Everything here reads the engine's indexes (task rows, subscriptions, the audit trail),
never a deserialized workflow. Who may see a case is decided by :mod:`engine.casefile.access`
in the fronts; these functions take the case they are given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from engine.casefile import drafts, expediente, payment, tracking
from engine.db import db
from engine.deadlines import clock
from engine.identity.accounts import User
from engine.models import AuditEvent, Certificate, Deployment, Document, Instance, Subscription, Task
from engine.workflow import instances
from engine.workflow.step import EngineContext
from forms.catalogue import humanize

#: Audit events a citizen sees on their case's timeline (the fronts word them).
TIMELINE_KINDS = ("instance_started", "task_created", "task_completed", "document_added", "certificate_issued",
                  payment.SLIP_ISSUED, "message_received", "instance_suspended", "instance_resumed",
                  "instance_completed", "instance_terminated")
#: Where a case stands: ``finished``, ``dropped``, ``applicant`` (waits for the citizen: ``names``),
#: ``review`` (staff work on ``names``), ``payment``, ``elsewhere`` (waits for another office), ``working``.
STEP_KINDS = ("finished", "dropped", "applicant", "review", "payment", "elsewhere", "working")
FINISHED = ("completed", "terminated")


@dataclass(frozen=True)
class CaseStep:
    """Where a case stands (one of :data:`STEP_KINDS`) and the names of its open tasks."""

    kind: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Happening:
    """One event of a case as a citizen reads it: its kind (an audit type) and a name or title.

    ``slip`` is the slip a ``payment_slip_issued`` event announced (amount and due date es-AR).
    """

    at: datetime
    kind: str
    detail: str
    slip: payment.Slip | None = None


@dataclass
class CaseSummary:
    """One line of "Mis trámites": the status is the instance's (``running``, ``completed``…)."""

    instance: Instance
    status: str
    step: CaseStep
    expected: date | None
    actions: list[Task] = field(default_factory=list)
    #: The slips to pay while the case waits at its declared payment step (manifest ``pago``).
    slips: list[payment.Slip] = field(default_factory=list)


def start_case(ctx: EngineContext, user: User, deployment: Deployment, data: dict[str, Any]) -> Instance:
    """Start a procedure for a citizen with the start form's data and their uploaded files.

    The files the data refers to must be the person's own uploads for this procedure; they
    join the expediente as ``uploaded`` documents authored by the citizen. The draft of the
    procedure goes away and the case gets its tracking code (flushes, never commits).

    :param deployment: the procedure's latest version, as the start page looked it up.
    :raises DataInvalid: with field errors (the form, or a file to upload again).
    """
    key = deployment.key
    scope = drafts.start_scope(key)
    uploads = drafts.check_files(user.id, scope, data)
    instance = instances.start_latest(ctx, deployment, data, user.username, on_created=lambda created: (
        drafts.claim_files(created.id, uploads, user.username, scope, user.id)))
    drafts.drop_draft(user.id, key)
    tracking.tracking_code(instance)
    db.session.flush()
    return instance


def cases_of(username: str) -> list[Instance]:
    """The cases a person started, newest first."""
    return list(db.session.scalars(select(Instance).where(Instance.started_by == username)
                                   .order_by(Instance.created_at.desc())))


def summarize(instance: Instance, now: datetime, timezone: str) -> CaseSummary:
    """State, current step and expected date in plain words, and the tasks waiting for the citizen.

    :param now: the platform's clock; :param timezone: the city's zone (the ``TIMEZONE`` setting).
    """
    ready = instances.ready_tasks(instance)
    step = current_step(instance, ready)
    return CaseSummary(instance=instance, status=instance.status, step=step,
                       expected=clock.expected_date(instance, now, timezone),
                       actions=[t for t in ready if t.for_applicant],
                       slips=payment.slips(instance) if step.kind == "payment" else [])


def current_step(instance: Instance, ready: list[Task] | None = None) -> CaseStep:
    """Where the case is: finished, waiting for the citizen, for staff, for a payment…"""
    if instance.status == "completed":
        return CaseStep("finished")
    if instance.status == "terminated":
        return CaseStep("dropped")
    ready = instances.ready_tasks(instance) if ready is None else ready
    if ready:
        mine = [t.name for t in ready if t.for_applicant]
        if mine:
            return CaseStep("applicant", tuple(dict.fromkeys(mine)))
        return CaseStep("review", tuple(dict.fromkeys(t.name for t in ready)))
    waiting = db.session.scalars(select(Subscription.message_name)
                                 .where(Subscription.instance_id == instance.id)).all()
    paying = payment.declared(instance.deployment.manifest)
    if paying is not None and paying.message in waiting:
        return CaseStep("payment")
    if waiting:
        return CaseStep("elsewhere")
    return CaseStep("working")


def applicant_task(instance: Instance, task_id: str) -> Task | None:
    """A ready task of the case that waits for the citizen, or ``None``."""
    task = db.session.get(Task, task_id)
    if task is None or task.instance_id != instance.id or not task.for_applicant or task.status != "ready":
        return None
    return task


def timeline(instance: Instance, kinds: tuple[str, ...] = TIMELINE_KINDS) -> list[Happening]:
    """The case's history for its citizen, oldest first (no staff names, no internals).

    Steps are named as the BPMN names them («Revisar solicitud»), never by their ids.
    """
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                         AuditEvent.type.in_(kinds))
                                .order_by(AuditEvent.id))
    rows = db.session.execute(select(Task.id, Task.name).where(Task.instance_id == instance.id))
    names = {str(task_id): str(name) for task_id, name in rows}
    return [happening(e, names) for e in events]


def happening(event: AuditEvent, task_names: dict[str, str] | None = None) -> Happening:
    data = event.data or {}
    detail = data.get("name") or data.get("title") or (task_names or {}).get(event.task_id or "")
    if not detail and event.type.startswith("task") and event.element_id:
        detail = humanize(event.element_id)  # a step the BPMN left unnamed: its id in words
    slip = payment.slip_of(data) if event.type == payment.SLIP_ISSUED and "url_boleta" in data else None
    return Happening(at=event.at, kind=event.type, detail=str(detail or data.get("numero") or ""), slip=slip)


def main_dates(instance: Instance) -> list[Happening]:
    """Start, each stage reached and the end: the public tracking page's dates (no personal data)."""
    return timeline(instance, ("instance_started", "task_created", "instance_completed", "instance_terminated",
                               "certificate_issued"))


def documents(instance: Instance) -> list[Document]:
    return expediente.documents(instance.id)


def certificates(instance: Instance) -> list[Certificate]:
    """The certificates issued for the case (with their document), newest first."""
    return list(db.session.scalars(select(Certificate).where(Certificate.instance_id == instance.id)
                                   .order_by(Certificate.issued_at.desc())))
