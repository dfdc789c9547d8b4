"""Notifications leave only after the step commits; a rolled-back step tells nobody."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work


@pytest.fixture
def sent(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    """Record what reaches the connectors (the registry's own invoke is replaced in this unit test)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    runtime = app.extensions[EXTENSION_KEY]
    runtime.connectors.invoke = lambda operation, params, facts: calls.append((operation, params)) or {"ok": True}
    return calls


PARAMS = {"para": ["ana@example.com"], "plantilla": "tramite_iniciado", "datos": {"numero": "EX-1"}}


def test_a_notification_waits_for_the_commit(app: Flask, sent: list[tuple[str, dict[str, Any]]]) -> None:
    ctx = app.extensions[EXTENSION_KEY].engine_context()
    assert "notificar/email" in app.extensions[EXTENSION_KEY].connectors.after_commit_operations()
    with app.app_context(), unit_of_work(ctx.after_commit):
        assert ctx.call_connector("notificar/email", PARAMS, {}) == {"encolado": True}
        assert sent == []
    assert sent == [("notificar/email", PARAMS)]


def test_a_rolled_back_step_sends_nothing(app: Flask, sent: list[tuple[str, dict[str, Any]]]) -> None:
    ctx = app.extensions[EXTENSION_KEY].engine_context()
    with pytest.raises(RuntimeError), app.app_context(), unit_of_work(ctx.after_commit):
        ctx.call_connector("notificar/email", PARAMS, {})
        raise RuntimeError("el paso falló")
    assert sent == []


def test_bad_parameters_fail_the_step_at_once(app: Flask, sent: list[tuple[str, dict[str, Any]]]) -> None:
    ctx = app.extensions[EXTENSION_KEY].engine_context()
    with pytest.raises(Exception, match="Parámetros inválidos"):
        ctx.call_connector("notificar/email", {"para": []}, {})
    assert ctx.after_commit == [] and sent == []


def test_other_operations_run_inside_the_step(app: Flask, sent: list[tuple[str, dict[str, Any]]]) -> None:
    ctx = app.extensions[EXTENSION_KEY].engine_context()
    assert ctx.call_connector("gaf/consultar_pago", {"numero": "L-2026-000001"}, {}) == {"ok": True}
    assert sent == [("gaf/consultar_pago", {"numero": "L-2026-000001"})]
