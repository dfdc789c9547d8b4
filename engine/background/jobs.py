"""Background work of the engine: due timers, automatic retries, operator retries, the outbox's
retries, kept messages a case now waits for (and the sweep of expired ones), readings retention,
uploads left behind, closing finished cases and listing closed ones due for disposal, the audit
trail's checkpoints, the sweep of the document store, the scheduled backups, the turnero's no-shows,
the public figures and the open data, the daily forecasts of incoming cases.

Each function handles one instance per transaction through ``unit_of_work`` (commit on
success, rollback on failure), so one broken instance never blocks the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import delete, select

from engine import audit
from engine.appointments import outcome, reminders
from engine.casefile import drafts, sweep
from engine.conversations import answers, retention
from engine.db import db, utcnow
from engine.deadlines.holidays import city_calendar
from engine.errors import Conflict, NotFound
from engine.figures import opendata, refresh
from engine.figures.schedule import OPEN_DATA_PATH
from engine.forecasts import refresh as forecasts
from engine.intake import sensors
from engine.models import IdempotencyRecord, Incident, Instance
from engine.notices import receipt
from engine.observability import metrics
from engine.records import closure
from engine.runtime import PlatformContext
from engine.workflow import buffer, messages, outbox
from engine.workflow.step import EngineContext, Step, errored_task, reset_failed

log = logging.getLogger(__name__)

UnitOfWork = Callable[[], AbstractContextManager[None]]
SYSTEM = "sistema"
INACTIVE = ("suspended", "completed", "terminated")
#: How long the API's idempotency keys, message ids and the web start forms' tokens are replayed:
#: a retry comes within minutes or days, and the records would otherwise grow with every request.
ANSWERS_KEPT = timedelta(days=30)


def fire_timer(ctx: EngineContext, instance_id: str) -> Instance:
    """Let an instance's due timers fire and run on."""
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound("El expediente no existe.")
    audit.record("timers_checked", SYSTEM, instance_id=instance.id,
                 data={"due": instance.next_timer_at.isoformat() if instance.next_timer_at else None})
    step = Step(instance, ctx, SYSTEM, trigger="timer")
    step.run()
    return step.save()


def due_timers(now: datetime, limit: int = 100) -> list[str]:
    return list(db.session.scalars(
        select(Instance.id).where(Instance.next_timer_at <= now, Instance.status.in_(("running", "waiting")))
        .order_by(Instance.next_timer_at).limit(limit)))


def retry_incident(ctx: EngineContext, incident_id: str, actor: str) -> Incident:
    """Run the failed step again: the errored task is reset and the engine continues.

    On success the incident is resolved; on another failure it counts one more attempt and the
    stored workflow stays as it was (see :class:`~engine.workflow.step.Step`).

    :param ctx: the engine context of this unit of work.
    :param incident_id: the incident to retry.
    :param actor: who retries (an operator, or :data:`SYSTEM` for automatic retries).
    :return: the incident, updated.
    :raises NotFound: for an unknown incident.
    :raises Conflict: when the incident is already resolved or its instance is suspended or finished.
    """
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("El incidente no existe.")
    if incident.status == "resolved":
        raise Conflict("El incidente ya está resuelto.")
    instance = db.session.get(Instance, incident.instance_id)
    if instance is None:
        raise NotFound("El expediente del incidente no existe.")
    if instance.status in INACTIVE:
        raise Conflict(f"El expediente está «{instance.status}»; no se puede reintentar el paso.")
    audit.record("incident_retried", actor, instance_id=instance.id, element_id=incident.element_id,
                 data={"incident_id": incident.id, "attempt": incident.attempts + 1})
    if not instance.is_test:
        ctx.after_commit.append(partial(metrics.incident_retried, automatic=actor == SYSTEM))
    step = Step(instance, ctx, actor, incident=incident)
    failed = errored_task(step.workflow)
    if failed is not None:
        reset_failed(failed)  # on its own data, corrections included, not its (pruned) parent's
    if instance.status == "error":
        instance.status = "running"
    step.run()
    step.save()
    return incident


def due_retries(now: datetime, limit: int = 100) -> list[str]:
    return list(db.session.scalars(
        select(Incident.id).join(Instance, Instance.id == Incident.instance_id)
        .where(Incident.status == "retrying", Incident.next_retry_at <= now, Instance.status.not_in(INACTIVE))
        .order_by(Incident.next_retry_at).limit(limit)))


def run_due_work(ctx: PlatformContext, unit_of_work: UnitOfWork) -> int:
    """Fire due timers and due retries, deliver the outbox's due messages and the kept messages
    a case now waits for, one transaction each, sweep expired kept messages, then prune old sensor
    readings, delete abandoned drafts and release uploads left behind (``DRAFT_RETENTION_DAYS``,
    ``UPLOAD_RETENTION_DAYS``) and idempotency records (:data:`ANSWERS_KEPT`), sign the audit
    trail's checkpoint when it is due and,
    when its schedule says so, sweep the document store of objects nothing references.

    :return: how many timers, retries and deliveries ran (pruning is housekeeping, not counted).
    """
    now = ctx.now()
    with unit_of_work():
        timers, retries = due_timers(now), due_retries(now)
    done = 0
    for instance_id in timers:
        done += _guarded(unit_of_work, partial(fire_timer, ctx, instance_id), f"timer {instance_id}")
    for incident_id in retries:
        done += _guarded(unit_of_work, partial(retry_incident, ctx, incident_id, SYSTEM), f"retry {incident_id}")
    deliver = ctx.deliver
    if deliver is not None:
        with unit_of_work():
            messages = outbox.due(now)
        for message_id in messages:
            done += _guarded(unit_of_work, partial(outbox.deliver, message_id, deliver, now), f"outbox {message_id}")
    done += _kept_messages(ctx, unit_of_work, now)
    done += _deemed_notices(ctx, unit_of_work, now)
    done += _no_shows(ctx, unit_of_work, now)
    done += _appointment_reminders(ctx, unit_of_work, now)
    done += _conversation_answers(ctx, unit_of_work)
    _guarded(unit_of_work, partial(retention.forget_old, now, ctx.conversation_retention_days),
             "conversations retention")
    _guarded(unit_of_work, partial(_prune_readings, now, ctx.sensor_retention_days), "sensor readings retention")
    _guarded(unit_of_work, partial(drafts.forget_abandoned_drafts, now, ctx.draft_retention), "abandoned drafts")
    _guarded(unit_of_work, partial(drafts.forget_stale_uploads, now, ctx.upload_retention), "stale uploads")
    _guarded(unit_of_work, partial(forget_first_answers, now), "idempotency records retention")
    _records_work(ctx, unit_of_work, now)
    _guarded(unit_of_work, partial(forecasts.refresh_when_due, now, ctx.timezone), "forecasts")
    if ctx.checkpoint_audit is not None:
        _guarded(unit_of_work, partial(ctx.checkpoint_audit, now), "audit checkpoint")
    _sweep_when_due(ctx, unit_of_work)
    _backup_when_due(ctx)
    _figures_when_due(ctx, unit_of_work)
    return done


def _kept_messages(ctx: PlatformContext, unit_of_work: UnitOfWork, now: datetime) -> int:
    """Deliver kept messages their case now waits for (missed by the step's hook when the message
    was kept while the case subscribed, in another transaction); sweep the expired ones.

    :return: how many kept messages were delivered.
    """
    with unit_of_work():
        awaited = buffer.awaited(now)
    done = 0
    for message_id in awaited:
        done += _guarded(unit_of_work, partial(messages.deliver_awaited, ctx, message_id), f"kept message {message_id}")
    _guarded(unit_of_work, partial(buffer.sweep_expired, now), "expired kept messages")
    return done


def _records_work(ctx: PlatformContext, unit_of_work: UnitOfWork, now: datetime) -> None:
    """Close the finished cases whose procedure closes them automatically (one transaction each),
    then list the closed files whose retention ended for staff to approve their disposal."""
    store = ctx.documents
    if store is not None:
        with unit_of_work():
            due = closure.due_for_closing(now)
        for instance_id in due:
            _guarded(unit_of_work, partial(closure.close_automatically, instance_id, now, store, ctx.timezone),
                     f"automatic closing {instance_id}")
    _guarded(unit_of_work, partial(closure.list_due, now), "records due for disposal")


def _deemed_notices(ctx: PlatformContext, unit_of_work: UnitOfWork, now: datetime) -> int:
    """Deem received the notices whose legal term ended unopened, one transaction each (their
    proof is signed, their case told)."""
    issue = ctx.issue_certificate
    if issue is None:  # without the documents connector no proof can be signed: they wait for it
        return 0
    with unit_of_work():
        due = receipt.due_notices(now)
    return sum(_guarded(unit_of_work, partial(receipt.deem_received, ctx, notice_id, issue), f"notice {notice_id}")
               for notice_id in due)


def _no_shows(ctx: PlatformContext, unit_of_work: UnitOfWork, now: datetime) -> int:
    """Mark as no-shows the appointments never checked in whose grace passed, and those a desk left
    unfinished when their day ended, one transaction each (a case waiting for its appointment hears
    ``turno_ausente``)."""
    with unit_of_work():
        due = outcome.due_no_shows(now, ctx.timezone)
    return sum(_guarded(unit_of_work, partial(outcome.mark_no_show, ctx, appointment_id), f"no-show {appointment_id}")
               for appointment_id in due)


def _appointment_reminders(ctx: PlatformContext, unit_of_work: UnitOfWork, now: datetime) -> int:
    """Remind the day before the appointments of tomorrow, one transaction each (the outbox
    sends their e-mails at its next round)."""
    with unit_of_work():
        due = reminders.due(now, city_calendar(ctx.timezone))
    return sum(_guarded(unit_of_work, partial(reminders.remind, appointment_id, now, zone=ctx.timezone,
                                              public_url=ctx.public_url), f"reminder {appointment_id}")
               for appointment_id in due)


def _conversation_answers(ctx: PlatformContext, unit_of_work: UnitOfWork) -> int:
    """Push the answers of closed reclamos made by WhatsApp and ask for their rating, one transaction each."""
    with unit_of_work():
        due = answers.due()
    return sum(_guarded(unit_of_work, partial(answers.push, ctx, instance_id), f"conversation answer {instance_id}")
               for instance_id in due)


def _sweep_when_due(ctx: PlatformContext, unit_of_work: UnitOfWork) -> None:
    # The store's own clock, not the engine's (which tests pin): objects carry its times.
    store, schedule, now = ctx.documents, ctx.sweeps, utcnow()
    if store is None or schedule is None or not schedule.take(now):
        return
    try:
        sweep.sweep(store, unit_of_work, now)
    except Exception:  # the store may be down; the next schedule tries again
        log.exception("background job document sweep failed")


def _backup_when_due(ctx: PlatformContext) -> None:
    # Real time, as the sweep's: the backups' folders are named after it, and the schedule reads them.
    if ctx.backup is None:
        return
    try:
        ctx.backup(utcnow())
    except Exception:  # the store or the database may be down; the next cycle tries again
        log.exception("background job scheduled backup failed")


def _figures_when_due(ctx: PlatformContext, unit_of_work: UnitOfWork) -> None:
    """Recompute the public figures' months that can still change (one transaction each), then
    publish the open data from them, when the figures' schedule says so."""
    config, now = ctx.figures, ctx.now()
    if config is None or not config.schedule.take(now):
        return
    with unit_of_work():
        pending = refresh.pending_months(now, ctx.timezone)
    for month in pending:
        _guarded(unit_of_work, partial(refresh.refresh_month, month, now, ctx.timezone, config.hex_m),
                 f"figures of {month:%Y-%m}")
    base_url = (ctx.public_url or "").rstrip("/") + OPEN_DATA_PATH
    _guarded(unit_of_work, partial(opendata.publish, now, base_url, config.min_count, config.hex_m,
                                   config.every_minutes), "open data")


def forget_first_answers(now: datetime, kept: timedelta = ANSWERS_KEPT) -> int:
    """Forget the first answers replayed to repeated requests (idempotency records) older than
    ``kept`` (flushes); a repeat after that is a new request. :return: how many went."""
    result = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - kept))
    return int(getattr(result, "rowcount", 0) or 0)


def _prune_readings(now: datetime, days: int) -> None:
    pruned = sensors.prune_readings(now, days)
    if pruned:
        log.info("deleted %d sensor readings older than %d days", pruned, days)


def _guarded(unit_of_work: UnitOfWork, job: Callable[[], object], label: str) -> int:
    try:
        with unit_of_work():
            job()
        return 1
    except Exception:  # one broken instance must not stop the others; the log keeps the trace
        log.exception("background job %s failed", label)
        return 0
