"""The outbox: a notification exists exactly when its step does, and is retried until it leaves."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.background.runner import BackgroundRunner
from engine.db import db
from engine.models import AuditEvent
from engine.runtime import EXTENSION_KEY, Runtime
from engine.uow import unit_of_work
from engine.workflow import outbox
from engine.workflow.outbox import OutboxMessage

PARAMS = {"para": ["ana@example.com"], "plantilla": "tramite_iniciado", "datos": {"numero": "EX-1"}}


class FarSide:
    """The connectors as seen by the outbox: records calls, fails while told to."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.deliveries: list[str] = []
        self.failing = False

    def __call__(self, operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        self.deliveries.append(facts[outbox.DELIVERY_FACT])
        if self.failing:
            raise ConnectionRefusedError("el servidor de correo no responde")
        self.calls.append((operation, params))
        return {"ok": True}


@pytest.fixture
def far_side(app: Flask) -> FarSide:
    side = FarSide()
    app.extensions[EXTENSION_KEY].connectors.invoke = side
    return side


@pytest.fixture
def runtime(app: Flask) -> Runtime:
    found: Runtime = app.extensions[EXTENSION_KEY]
    return found


def _notify_in_a_step(app: Flask, runtime: Runtime) -> None:
    ctx = runtime.engine_context()
    with app.app_context(), unit_of_work(ctx.after_commit):
        assert ctx.call_connector is not None
        assert ctx.call_connector("notificar/email", PARAMS, {"instance_id": None}) == {"encolado": True}


def _messages(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def _run_background(app: Flask, runtime: Runtime) -> int:
    return BackgroundRunner(app.app_context, runtime.engine_context).run_once()


def test_a_committed_step_sends_at_once_and_marks_the_message_sent(app: Flask, runtime: Runtime,
                                                                   far_side: FarSide) -> None:
    _notify_in_a_step(app, runtime)
    assert far_side.calls == [("notificar/email", PARAMS)]
    [message] = _messages(app)
    assert message.status == "sent" and message.attempts == 1 and message.sent_at is not None


def test_a_rolled_back_step_leaves_no_message(app: Flask, runtime: Runtime, far_side: FarSide) -> None:
    ctx = runtime.engine_context()
    with pytest.raises(RuntimeError), app.app_context(), unit_of_work(ctx.after_commit):
        assert ctx.call_connector is not None
        ctx.call_connector("notificar/email", PARAMS, {})
        raise RuntimeError("el paso falló")
    assert far_side.calls == [] and _messages(app) == []


def test_a_failed_delivery_is_retried_by_the_background_work(app: Flask, runtime: Runtime,
                                                             far_side: FarSide) -> None:
    far_side.failing = True
    _notify_in_a_step(app, runtime)  # the step commits even though the mail server is down
    [message] = _messages(app)
    assert message.status == "pending" and message.attempts == 1
    assert "no responde" in (message.last_error or "")
    far_side.failing = False
    assert _run_background(app, runtime) == 0  # not due yet: the backoff holds it
    now = runtime.clock()
    runtime.clock = lambda: now + timedelta(seconds=outbox.BACKOFF_BASE_SECONDS + 1)
    assert _run_background(app, runtime) == 1
    assert far_side.calls == [("notificar/email", PARAMS)]
    assert [m.status for m in _messages(app)] == ["sent"]


def test_a_message_never_handed_over_is_found_by_the_background_work(app: Flask, runtime: Runtime,
                                                                     far_side: FarSide) -> None:
    lost: list[int] = []
    runtime.dispatch = lost.append  # the process dies before the worker gets it
    _notify_in_a_step(app, runtime)
    assert len(lost) == 1 and far_side.calls == []
    runtime.dispatch = None
    assert _run_background(app, runtime) == 0  # within the hand-over time, the worker may still come
    now = runtime.clock()
    runtime.clock = lambda: now + timedelta(seconds=outbox.HANDOVER_SECONDS + 1)
    assert _run_background(app, runtime) == 1
    assert far_side.calls == [("notificar/email", PARAMS)]


def test_a_message_that_keeps_failing_is_given_up_with_an_audit_event(app: Flask, runtime: Runtime,
                                                                      far_side: FarSide) -> None:
    far_side.failing = True
    _notify_in_a_step(app, runtime)
    [message] = _messages(app)
    later = runtime.clock()
    for _attempt in range(outbox.MAX_ATTEMPTS - 1):
        later += timedelta(seconds=outbox.BACKOFF_MAX_SECONDS + 1)
        with app.app_context(), unit_of_work():
            outbox.deliver(message.id, far_side, later)
    [message] = _messages(app)
    assert message.status == "failed" and message.attempts == outbox.MAX_ATTEMPTS
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.type == "notification_failed")))
        assert len(events) == 1 and events[0].data["operation"] == "notificar/email"
        assert outbox.backlog() == {"pendientes": 0, "fallidos": 1}
    # A given-up message is left alone: nothing more is sent.
    with app.app_context(), unit_of_work():
        assert outbox.deliver(message.id, far_side, later) == "failed"


def test_delivering_twice_sends_once(app: Flask, runtime: Runtime, far_side: FarSide) -> None:
    _notify_in_a_step(app, runtime)
    [message] = _messages(app)
    with app.app_context():
        assert runtime.deliver_now(message.id) == "sent"
        assert runtime.deliver_now(10**9) == "missing"
    assert len(far_side.calls) == 1


def test_every_attempt_names_the_same_delivery_and_another_message_another(app: Flask, runtime: Runtime,
                                                                           far_side: FarSide) -> None:
    far_side.failing = True
    _notify_in_a_step(app, runtime)
    far_side.failing = False
    [first] = _messages(app)
    with app.app_context(), unit_of_work():  # the retry after a failure, or after a crash before the mark
        assert outbox.deliver(first.id, far_side, runtime.clock() + timedelta(hours=1)) == "sent"
    _notify_in_a_step(app, runtime)
    second = _messages(app)[1]
    assert far_side.deliveries == [outbox.delivery_id(first)] * 2 + [outbox.delivery_id(second)]
    assert outbox.delivery_id(first) != outbox.delivery_id(second)
    assert outbox.delivery_id(first).startswith(f"{first.id}.")


def test_a_cause_that_keeps_failing_is_warned_once_not_at_every_retry(app: Flask, runtime: Runtime,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    cause = f"Falta configurar SMTP_HOST y MAIL_FROM ({uuid.uuid4().hex})"  # new to this process

    def unconfigured(operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        raise RuntimeError(cause)

    runtime.connectors.invoke = unconfigured  # type: ignore[union-attr, method-assign]
    caplog.set_level(logging.INFO, logger=outbox.log.name)
    _notify_in_a_step(app, runtime)
    _notify_in_a_step(app, runtime)
    later = runtime.clock()
    for _retry in range(3):
        later += timedelta(seconds=outbox.BACKOFF_MAX_SECONDS + 1)
        for message in _messages(app):
            with app.app_context(), unit_of_work():
                outbox.deliver(message.id, unconfigured, later)
    told = [r for r in caplog.records if cause in r.getMessage()]
    assert len(told) == 8  # every attempt of both messages is still in the log, at INFO
    assert [r.levelno for r in told].count(logging.WARNING) == 1
