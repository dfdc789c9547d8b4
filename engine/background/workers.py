"""Background work on Celery workers (production): the same jobs as the in-process runner.

With ``TRAMITES_BROKER_URL`` set, the web processes do no background work: every committed
outbox message becomes a ``tramites.deliver`` task, and a beat schedule runs
``tramites.due_work`` (due timers, automatic retries, the outbox's retries, retention) every
few seconds. ``tramites worker`` runs a worker; exactly one of them runs the schedule
(``--beat``). Tasks carry only ids: the database stays the source of truth, so a lost or
duplicated task costs a delay, never a wrong state (the outbox's retries pick up whatever a
worker missed; a timer fired twice meets the instance's optimistic lock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask

from engine.background.jobs import run_due_work
from engine.db import db
from engine.uow import unit_of_work

if TYPE_CHECKING:
    from celery import Celery  # installed with the "prod" extra: imported only when a broker is set

DELIVER = "tramites.deliver"
DUE_WORK = "tramites.due_work"
EXTENSION_KEY = "tramites.celery"
T = TypeVar("T")


def make_celery(app: Flask, broker_url: str, runtime: Any, interval: float = 2.0) -> Celery:
    """A Celery app whose tasks run inside ``app``'s context against ``runtime``.

    :param runtime: the platform's :class:`~engine.runtime.Runtime` (its ``deliver_now`` and
        ``engine_context``).
    :param interval: seconds between two runs of the due work (the beat schedule).
    """
    from celery import Celery

    celery = Celery("tramites", broker=broker_url, set_as_current=False)
    celery.conf.update(
        task_ignore_result=True,
        task_acks_late=True,  # a worker that dies mid-task leaves the task for another
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule={"trabajo-pendiente": {"task": DUE_WORK, "schedule": interval}},
    )

    @celery.task(name=DELIVER, shared=False)
    def deliver(message_id: int) -> str:
        return _in_app(app, lambda: runtime.deliver_now(message_id))

    @celery.task(name=DUE_WORK, shared=False)
    def due_work() -> int:
        def run() -> int:
            ctx = runtime.engine_context()
            done: int = run_due_work(ctx, lambda: unit_of_work(ctx.after_commit))
            return done

        return _in_app(app, run)

    app.extensions[EXTENSION_KEY] = celery
    return celery


def dispatcher(celery: Celery) -> Callable[[int], None]:
    """What the runtime calls after a commit: one ``tramites.deliver`` task per message."""

    def dispatch(message_id: int) -> None:
        celery.send_task(DELIVER, args=[message_id])

    return dispatch


def _in_app(app: Flask, job: Callable[[], T]) -> T:
    with app.app_context():
        try:
            return job()
        finally:
            db.session.remove()
