"""Notifications for citizens, read from the audit trail of their cases (no copy of the events).

A notification is an audit event of one of the person's cases that concerns them: the case
started, a task for the applicant was created (the staff asked for a correction), the case
finished or was dropped, a certificate was issued, staff added a document. Each person has
a "read up to" mark (the id of the last event they saw); what lies beyond it is unread.

E-mails: a session listener collects, at each flush, the ids of new audit events of those
kinds; just before the session commits, each becomes an e-mail in the outbox, in the same
transaction as the change it tells of (so it exists exactly when the change does, and a
crash after the commit loses nothing); after the commit the outbox's messages are handed
over. ``install`` turns this on for one database (the portal does, per app, when the
notification e-mail connector is configured). Staff act in the worklists, over REST and
through timers, so listening to audit events reaches every path without each one calling us.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from engine.casefile import payment
from engine.casefile.models import NotificationMark
from engine.citizens import cases
from engine.db import db, utcnow
from engine.identity.accounts import User
from engine.models import AuditEvent, Instance
from engine.workflow import outbox

log = logging.getLogger(__name__)
#: A notice waits in the person's electronic address (recorded by ``engine.notices.notify``).
NOTICE_SENT = "notice_sent"
KINDS = ("instance_started", "task_created", "instance_completed", "instance_terminated", "certificate_issued",
         "document_added", payment.SLIP_ISSUED, NOTICE_SENT)
LIST_LIMIT = 50
EMAIL_OPERATION = "notificar/email"
_PENDING = "portal_notification_events"
_QUEUED = "portal_notification_outbox"
_WRITTEN = "process_emails_written"


@dataclass(frozen=True)
class Mailer:
    """How one database's notification e-mails leave: links under ``public_url()`` (read at each
    e-mail: it follows the address being served); ``hand_over`` gets each committed outbox
    message id (the runtime's, inside a fresh app context)."""

    public_url: Callable[[], str]
    hand_over: Callable[[int], None]


_MAILERS: weakref.WeakKeyDictionary[Any, Mailer] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Notification:
    """One notification as the portal lists it."""

    event_id: int
    number: str
    procedure: str
    what: cases.Happening
    unread: bool


def concerns_owner(event_: AuditEvent, owner: str) -> bool:
    """Whether an audit event is news for the case's owner."""
    if event_.type not in KINDS:
        return False
    if event_.type == "task_created":
        return bool((event_.data or {}).get("applicant"))
    if event_.type == "document_added":
        # What the citizen uploaded is no news to them; what staff or the process added is.
        return event_.actor != owner
    return True


def _events_of(username: str, after: int = 0, limit: int | None = None) -> list[tuple[AuditEvent, Instance]]:
    query = (select(AuditEvent, Instance).join(Instance, Instance.id == AuditEvent.instance_id)
             .where(Instance.started_by == username, AuditEvent.type.in_(KINDS), AuditEvent.id > after)
             .order_by(AuditEvent.id.desc()))
    if limit is not None:
        query = query.limit(limit * 3)  # some rows are filtered out below
    rows = [(e, i) for e, i in db.session.execute(query) if concerns_owner(e, username)]
    return rows[:limit] if limit is not None else rows


def mark_of(user: User) -> int:
    row = db.session.get(NotificationMark, user.id)
    return row.read_up_to if row is not None else 0


def notifications(user: User, limit: int = LIST_LIMIT) -> list[Notification]:
    """The person's latest notifications, newest first, each telling whether it is unread."""
    mark = mark_of(user)
    return [Notification(event_id=e.id, number=i.number, procedure=i.deployment.name,
                         what=cases.happening(e), unread=e.id > mark)
            for e, i in _events_of(user.username, limit=limit)]


def unread_count(user: User) -> int:
    return len(_events_of(user.username, after=mark_of(user)))


def mark_read(user: User, up_to: int | None = None) -> int:
    """Move the person's mark to ``up_to`` (default: the newest event of their cases); never back (flushes)."""
    newest = up_to
    if newest is None:
        newest = db.session.scalar(select(func.max(AuditEvent.id)).join(Instance, Instance.id == AuditEvent.instance_id)
                                   .where(Instance.started_by == user.username)) or 0
    row = db.session.get(NotificationMark, user.id)
    if row is None:
        row = NotificationMark(user_id=user.id, read_up_to=0)
        db.session.add(row)
    row.read_up_to, row.updated_at = max(row.read_up_to or 0, newest), utcnow()
    db.session.flush()
    return row.read_up_to


# --- e-mail -----------------------------------------------------------------------------------

def email_for(event_id: int, public_url: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """The ``notificar/email`` call for one event: ``(to, params, facts)``, or ``None`` when none is due.

    Only the case owner's verified address receives it; an owner without one gets nothing.
    """
    event_ = db.session.get(AuditEvent, event_id)
    instance = db.session.get(Instance, event_.instance_id) if event_ is not None and event_.instance_id else None
    if event_ is None or instance is None or not concerns_owner(event_, instance.started_by):
        return None
    owner = db.session.scalar(select(User).where(User.username == instance.started_by))
    if owner is None or not owner.email or owner.email_verified_at is None:
        return None
    link = f"{public_url.rstrip('/')}/mis-tramites/{instance.number}"
    if event_.type == NOTICE_SENT:  # only where to read it: the notice takes effect there, not by e-mail
        link = f"{public_url.rstrip('/')}/mis-notificaciones/"
    template, extra = _template(event_, instance)
    params = {"para": owner.email, "plantilla": template,
              "datos": {"nombre": owner.display_name or owner.email, "tramite": instance.deployment.name,
                        "numero": instance.number, "enlace": link, **extra}}
    facts: dict[str, Any] = {"instance_id": instance.id, "case_number": instance.number,
                             "process_key": instance.process_key, "element_id": event_.element_id or "",
                             "public_url": public_url}
    if instance.is_test:
        facts["test_case"] = True
    return owner.email, params, facts


def _template(event_: AuditEvent, instance: Instance) -> tuple[str, dict[str, Any]]:
    data = event_.data or {}
    if event_.type == "instance_started":
        return "tramite_iniciado", {}
    if event_.type == "instance_completed":
        return "tramite_finalizado", {"resultado": "finalizado"}
    if event_.type == "instance_terminated":
        return "tramite_finalizado", {"resultado": "dado de baja"}
    if event_.type == "certificate_issued":
        title = data.get("title", "")
        return "novedad_tramite", {"novedad": f"Se emitió el certificado «{title}»; ya puede descargarlo."}
    if event_.type == "document_added":
        return "novedad_tramite", {"novedad": f"Se agregó el documento «{data.get('title', '')}» a su expediente."}
    if event_.type == payment.SLIP_ISSUED:
        return _slip_email(data)
    if event_.type == NOTICE_SENT:
        return "notificacion_disponible", {}
    return "tarea_pendiente", {"tarea": str(data.get("name") or event_.element_id or "")}


def _slip_email(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A slip to pay: what, how much, until when, and GAF's page to pay it (instead of the case's)."""
    slip = payment.slip_of(data) if "url_boleta" in data else None
    if slip is None:
        return "tarea_pendiente", {"tarea": "Pagar la boleta emitida para su trámite."}
    task = f"Pagar la boleta {slip.number}" + (f" de {slip.amount}" if slip.amount else "") + "."
    if slip.code:
        task += f" Código de pago: {slip.code}."
    extra: dict[str, Any] = {"tarea": task, "enlace": slip.url}
    if slip.due:
        extra["vence"] = slip.due
    return "tarea_pendiente", extra


def install(bind: Any, mailer: Mailer) -> None:
    """Send notification e-mails for changes committed on ``bind`` (an engine); ``create_app`` calls it.

    The session listeners are registered by the first call, not at import: a process whose
    platform sends no e-mail runs none of them.
    """
    _MAILERS[bind] = mailer
    for name, listener in _LISTENERS.items():
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def uninstall(bind: Any) -> None:
    _MAILERS.pop(bind, None)


def _collect(session: Session, flush_context: Any) -> None:
    # In after_flush, ``session.new`` still lists what this flush inserted, ids assigned.
    if not _MAILERS:
        return
    ids = [obj.id for obj in session.new if isinstance(obj, AuditEvent) and obj.type in KINDS]
    if ids:
        session.info.setdefault(_PENDING, []).extend(ids)
    written = {(obj.instance_id, _address(obj.params.get("para"))) for obj in session.new
               if isinstance(obj, outbox.OutboxMessage) and obj.operation == EMAIL_OPERATION and obj.instance_id}
    if written:
        session.info.setdefault(_WRITTEN, set()).update(written)


def _queue(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    # What the procedure itself wrote in this transaction, read before the platform's own go in.
    written = session.info.pop(_WRITTEN, set())
    mailer = _MAILERS.get(session.get_bind()) if ids else None
    if not ids or mailer is None:
        return
    queued = session.info.setdefault(_QUEUED, [])
    withheld = _notified_documents_news(ids)
    for event_id in ids:
        if event_id in withheld:
            continue
        found = email_for(event_id, mailer.public_url())
        if found is not None:
            to, params, facts = found
            if (facts["instance_id"], _address(to)) in written:
                continue  # the procedure wrote to them in this step, in its own words: no second e-mail
            if facts.get("test_case"):  # kept, never sent: an analyst's test case reaches no one
                outbox.suppress(EMAIL_OPERATION, params, facts, utcnow())
            else:
                queued.append(outbox.enqueue(EMAIL_OPERATION, params, facts, utcnow()))


def _address(value: Any) -> str:
    return str(value or "").strip().lower()


def _notified_documents_news(ids: list[int]) -> set[int]:
    """The news of a document that the same transaction notifies (added, certificate issued).

    The notice's own e-mail says only that a notice is waiting: these would tell its title.
    The notice takes effect when opened in the electronic address, never by e-mail.
    """
    found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.id.in_(ids))))
    notified = {(e.instance_id, (e.data or {}).get("sha256")) for e in found if e.type == NOTICE_SENT}
    return {e.id for e in found if e.type in ("document_added", "certificate_issued")
            and (e.instance_id, (e.data or {}).get("sha256")) in notified}


def _committed(session: Session) -> None:
    session.info.pop(_WRITTEN, None)  # the platform's own, recorded as they went in
    queued = session.info.pop(_QUEUED, None)
    mailer = _MAILERS.get(session.get_bind()) if queued else None
    if not queued or mailer is None:
        return
    for message_id in queued:
        try:
            mailer.hand_over(message_id)
        except Exception:  # the outbox keeps it: the background work retries what was not handed over
            log.exception("handing over notification e-mail %s failed", message_id)


def _rolled_back(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    session.info.pop(_PENDING, None)
    session.info.pop(_QUEUED, None)


_LISTENERS: dict[str, Callable[..., Any]] = {
    "after_flush": _collect, "before_commit": _queue, "after_commit": _committed, "after_rollback": _rolled_back,
}
