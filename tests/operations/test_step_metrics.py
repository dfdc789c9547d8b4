"""A step is counted and logged once its transaction commits: one rolled back never happened."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask

from engine.observability import metrics
from engine.uow import unit_of_work
from engine.workflow import instances
from tests.fixtures.engine import ApiClient

PROCEDURE = "tramite_simple"  # tests/data/bundles/simple


def _starts() -> float:
    return metrics.STARTS.labels(PROCEDURE)._value.get()


def _steps(trigger: str) -> float:
    """Steps of the procedure moved by ``trigger``, whatever their outcome."""
    return sum(metrics.STEPS.labels(PROCEDURE, trigger, outcome)._value.get() for outcome in metrics.OUTCOMES)


class _Boom(Exception):
    pass


def test_a_rolled_back_start_is_neither_counted_nor_logged(app: Flask, api: ApiClient,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    assert api.deploy("simple").status_code == 201
    before = _starts()
    caplog.set_level(logging.INFO, logger="tramites.step")
    with app.app_context():
        ctx = app.extensions["tramites"].engine_context()
        with pytest.raises(_Boom), unit_of_work(ctx.after_commit):
            instances.start(ctx, PROCEDURE, {}, "pruebas")
            raise _Boom  # something after the step fails: the whole unit of work rolls back
        assert _starts() == before and not [r for r in caplog.records if r.name == "tramites.step"]

        with unit_of_work(ctx.after_commit):
            case = instances.start(ctx, PROCEDURE, {}, "pruebas")
            number = case.number
    assert _starts() == before + 1
    [line] = [r for r in caplog.records if r.name == "tramites.step"]
    assert (line.case, line.trigger, line.outcome, line.procedure) == (number, "start", "ok", PROCEDURE)


def test_a_completion_counts_as_a_task_step(app: Flask, api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    started = api.start(PROCEDURE, {})
    assert started.status_code == 201
    tasks = api.get(f"/api/v1/instances/{started.get_json()['id']}").get_json()["tasks"]
    before = (_steps("task"), metrics.TASK_COMPLETIONS.labels(PROCEDURE)._value.get())
    done = api.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", json={"data": {"completo": True}})
    assert done.status_code == 200, done.get_json()
    assert (_steps("task"), metrics.TASK_COMPLETIONS.labels(PROCEDURE)._value.get()) == (before[0] + 1,
                                                                                         before[1] + 1)


def test_known_procedures_and_operations_start_at_zero() -> None:
    metrics.ensure_series(["nunca_visto"], ["eco/nunca"])
    assert metrics.STARTS.labels("nunca_visto")._value.get() == 0
    assert metrics.CONNECTOR_ERRORS.labels("eco/nunca")._value.get() == 0
    names = {sample.name for family in metrics.process_collector().collect() for sample in family.samples}
    assert "tramites_steps_total" in names and not [n for n in names if n.endswith("_created")]


def test_metrics_answer_while_the_database_is_down(make_app: Callable[..., Flask]) -> None:
    """The health gauge says so; the figures the database holds are simply absent, never a 500."""
    app = make_app(DATABASE_URL="sqlite:////nonexistent-folder-of-tramites/tramites.db")
    answer = app.test_client().get("/metrics")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'tramites_dependency_up{dependency="database"} 0.0' in text
    assert 'tramites_dependency_up{dependency="storage"} 1.0' in text
    assert "tramites_open_cases" not in text

