"""Background work on a real Celery worker, over real Redis and RabbitMQ brokers.

The worker runs in this process (Celery's own test worker, threads pool) against the broker
the machine runs; e-mail goes to a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from celery.contrib.testing.worker import start_worker
from flask import Flask
from sqlalchemy import select

from engine.background.workers import DUE_WORK
from engine.background.workers import EXTENSION_KEY as CELERY_KEY
from engine.db import db
from engine.runtime import EXTENSION_KEY, Runtime
from engine.uow import unit_of_work
from engine.workflow import outbox
from engine.workflow.outbox import OutboxMessage
from tests.fixtures.require import missing_service
from tests.fixtures.smtp import SmtpServer

BROKERS = {"redis": "redis://127.0.0.1:6379/15", "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//"}
PARAMS = {"para": ["ana@example.com"], "plantilla": "tramite_iniciado",
          "datos": {"nombre": "Ana Paz", "tramite": "Reclamo", "numero": "REC-2026-000001"}}


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(params=sorted(BROKERS))
def broker_url(request: pytest.FixtureRequest) -> str:
    url = BROKERS[request.param]
    if not _reachable(url):
        missing_service(f"{request.param} is not listening at {url}")
    return url


@pytest.fixture
def worker_app(make_app: Callable[..., Flask], broker_url: str, smtp_server: SmtpServer) -> Iterator[Flask]:
    smtp_server.clear()
    app = make_app(BROKER_URL=broker_url, **smtp_server.settings())
    celery = app.extensions[CELERY_KEY]
    celery.conf.task_default_queue = f"tramites-prueba-{uuid4().hex[:10]}"  # nothing left by other runs
    with start_worker(celery, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=15):
        yield app


def _status(app: Flask) -> list[str]:
    with app.app_context():
        statuses = list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))
        db.session.remove()
        return statuses


def _wait_for(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _notify_in_a_step(app: Flask) -> None:
    ctx = app.extensions[EXTENSION_KEY].engine_context()
    with app.app_context(), unit_of_work(ctx.after_commit):
        assert ctx.call_connector("notificar/email", PARAMS, {"instance_id": None}) == {"encolado": True}


def test_a_committed_notification_leaves_through_the_worker(worker_app: Flask, smtp_server: SmtpServer) -> None:
    _notify_in_a_step(worker_app)
    (mail,) = smtp_server.wait_for(1, timeout=20)
    assert "REC-2026-000001" in mail.message["Subject"]
    assert _wait_for(lambda: _status(worker_app) == ["sent"])


def test_the_scheduled_due_work_delivers_what_no_worker_was_handed(worker_app: Flask,
                                                                   smtp_server: SmtpServer) -> None:
    runtime: Runtime = worker_app.extensions[EXTENSION_KEY]
    dispatch, runtime.dispatch = runtime.dispatch, None
    handed: list[int] = []
    runtime.dispatch = handed.append  # the web process dies between its commit and the hand-over
    _notify_in_a_step(worker_app)
    assert handed and _status(worker_app) == ["pending"]
    runtime.dispatch = dispatch
    now = runtime.clock()
    runtime.clock = lambda: now + timedelta(seconds=outbox.HANDOVER_SECONDS + 1)
    worker_app.extensions[CELERY_KEY].send_task(DUE_WORK)  # what the beat schedule sends every few seconds
    (mail,) = smtp_server.wait_for(1, timeout=20)
    assert "REC-2026-000001" in mail.message["Subject"]
    assert _wait_for(lambda: _status(worker_app) == ["sent"])


def test_the_schedule_runs_the_due_work_every_few_seconds(make_app: Callable[..., Flask]) -> None:
    app = make_app(BROKER_URL=BROKERS["redis"])
    schedule: dict[str, Any] = app.extensions[CELERY_KEY].conf.beat_schedule
    assert [entry["task"] for entry in schedule.values()] == [DUE_WORK]
    assert 0 < next(iter(schedule.values()))["schedule"] <= 10


def test_without_a_broker_there_is_no_worker_to_run(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    assert CELERY_KEY not in app.extensions
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 2 and "TRAMITES_BROKER_URL no está configurada" in result.output
