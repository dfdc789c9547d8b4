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
from engine.errors import NotFound
from engine.identity.accounts import User
from engine.models import AuditEvent, Certificate, Deployment, Document, Instance, Subscription, Task
from engine.representation import powers
from engine.workflow import forms_io, instances
from engine.workflow.step import EngineContext
from forms.catalogue import humanize

#: Audit events a citizen sees on their case's timeline (the fronts word them).
TIMELINE_KINDS = ("instance_started", "task_created", "task_completed", "document_added", "certificate_issued",
                  payment.SLIP_ISSUED, "message_received", "instance_suspended", "instance_resumed",
                  "instance_completed", "instance_terminated", powers.ACTED)
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
    #: An act done «en representación»: (representative's name, party's name, ``inicio``/``respuesta``).
    acting: tuple[str, str, str] | None = None


@dataclass
class CaseSummary:
    """One line of "Mis trámites": the status is the instance's (``running``, ``completed``…)."""

    instance: Instance
    status: str
    step: CaseStep
    expected: date | None
    actions: list[Task] = field(default_factory=list)
    #: The day (in the city) a finished case ended: people read it instead of the expected date.
    ended: date | None = None
    #: The slips to pay while the case waits at its declared payment step (manifest ``pago``).
    slips: list[payment.Slip] = field(default_factory=list)


def start_case(ctx: EngineContext, user: User, deployment: Deployment, data: dict[str, Any],
               on_behalf_of: User | None = None) -> Instance:
    """Start a procedure for a citizen with the start form's data and their uploaded files.

    The files the data refers to must be the person's own uploads for this procedure; they
    join the expediente as ``uploaded`` documents authored by the citizen. The draft of the
    procedure goes away and the case gets its tracking code (flushes, never commits).

    :param deployment: the procedure's latest version, as the start page looked it up.
    :param on_behalf_of: the party ``user`` represents: the case is theirs (its applicant), and
        the trail records «user en representación de party» (the power is re-checked here).
    :raises DataInvalid: with field errors (the form, or a file to upload again).
    :raises NotFound: when no power in force lets ``user`` act for that party in this procedure.
    """
    key = deployment.key
    scope = drafts.start_scope(key)
    uploads = drafts.check_files(user.id, scope, data)
    if on_behalf_of is not None and powers.covering(user.username, on_behalf_of.username, key) is None:
        raise NotFound("No tiene un poder vigente para iniciar este trámite en nombre de esa persona.")
    applicant = on_behalf_of or user
    instance = instances.start_latest(ctx, deployment, data, applicant.username, on_created=lambda created: (
        drafts.claim_files(created.id, uploads, user.username, scope, user.id,
                           schema=forms_io.start_form(deployment)[0])))
    if on_behalf_of is not None:
        powers.record_act(instance, user, on_behalf_of, "inicio")
    drafts.drop_draft(user.id, key)
    tracking.tracking_code(instance)
    db.session.flush()
    return instance


def applicant_of(instance: Instance) -> User:
    """The account of the case's applicant (who it was started for).

    :raises NotFound: when the account no longer exists.
    """
    user = db.session.scalar(select(User).where(User.username == instance.started_by))
    if user is None:
        raise NotFound("El expediente no tiene un solicitante con cuenta.")
    return user


def started_by_representatives(instances: list[Instance]) -> dict[str, str]:
    """Of these cases, those a representative started: case id → the representative's name (one query)."""
    ids = [i.id for i in instances]
    if not ids:
        return {}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id.in_(ids),
                                                         AuditEvent.type == powers.ACTED))
    return {str(e.instance_id): str((e.data or {}).get("representante_nombre") or e.actor)
            for e in events if (e.data or {}).get("acto") == "inicio"}


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
                       ended=clock.ended_on(instance, timezone),
                       actions=[t for t in ready if t.for_applicant],
                       slips=payment.slips(instance) if step.kind == "payment" else [])


def current_step(instance: Instance, ready: list[Task] | None = None) -> CaseStep:
    """Where the case is: finished, waiting for the citizen, for staff, for a payment…"""
    if instance.status == "completed":
        end = end_reached(instance)
        return CaseStep("finished", (end,) if end else ())
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


def end_reached(instance: Instance) -> str | None:
    """The name of the end event a finished case reached, as its trail records it, or ``None``.

    Analysts name each end for its outcome («Permiso otorgado», «Solicitud rechazada»): it is
    the answer the citizen waited for.
    """
    if instance.status != "completed":
        return None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                         AuditEvent.type == "element_completed")
                                .order_by(AuditEvent.id.desc()))
    for event in events:
        if (event.data or {}).get("type") == "EndEvent":
            return str(event.data.get("name") or "").strip() or None
    return None


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
    acting = None
    if event.type == powers.ACTED:
        acting = (str(data.get("representante_nombre") or data.get("representante") or ""),
                  str(data.get("representado_nombre") or data.get("representado") or ""), str(data.get("acto") or ""))
    return Happening(at=event.at, kind=event.type, detail=str(detail or data.get("numero") or ""), slip=slip,
                     acting=acting)


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
