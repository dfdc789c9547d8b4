"""Timer events through the REST API and the background runner, on a fake clock.

Time moves by setting ``Runtime.clock``; ``run_due_work`` then fires what is due, exactly as
the in-process runner does, one transaction per instance.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.engine.test_constructs_common import T0, Case, with_clock
from tests.fixtures.engine import ApiClient


def _due(case: Case) -> datetime:
    due = case.detail["next_timer_at"]
    assert due is not None
    return datetime.fromisoformat(due)


def test_interrupting_boundary_duration_timer_cancels_the_task_when_due(app: Flask, api: ApiClient) -> None:
    clock = with_clock(app)
    case = Case.start(api, "timer_duracion", clock=clock)
    assert case.ready() == ["revisar"]
    assert _due(case) == T0 + timedelta(days=3)
    assert case.advance(app, timedelta(days=2, hours=23)) == 0
    assert case.ready() == ["revisar"]
    assert case.advance(app, timedelta(hours=2)) == 1
    assert case.status == "completed" and case.ready() == []
    assert case.path() == ["inicio", "plazo_vencido", "vencer", "fin_vencido"]
    assert case.data["resultado"] == "vencido"
    assert "task_cancelled" in [e["type"] for e in case.events()]


def test_boundary_timer_does_not_fire_when_the_task_is_done_in_time(app: Flask, api: ApiClient) -> None:
    clock = with_clock(app)
    case = Case.start(api, "timer_duracion", clock=clock)
    case.complete("revisar")
    assert case.detail["next_timer_at"] is None
    assert case.advance(app, timedelta(days=5)) == 0
    assert case.path() == ["inicio", "revisar", "aprobar", "fin"]
    assert case.data["resultado"] == "en plazo"


def test_intermediate_date_timer_waits_for_the_date_in_the_case_data(app: Flask, api: ApiClient) -> None:
    clock = with_clock(app)
    case = Case.start(api, "timer_fecha", {"fecha_audiencia": "2026-03-10T10:00:00+00:00"}, clock)
    assert case.status == "waiting"
    assert _due(case) == datetime.fromisoformat("2026-03-10T10:00:00+00:00")
    assert case.advance(app, timedelta(days=8)) == 0  # 10 March, 09:00
    assert case.path() == ["inicio"]
    assert case.advance(app, timedelta(hours=1, minutes=1)) == 1
    assert case.status == "completed"
    assert case.path() == ["inicio", "esperar_audiencia", "celebrar", "fin"]
    assert case.data["audiencia_celebrada"] is True


def test_non_interrupting_cycle_timer_repeats_while_the_task_waits(app: Flask, api: ApiClient) -> None:
    clock = with_clock(app)
    case = Case.start(api, "timer_ciclo", clock=clock)
    assert _due(case) == T0 + timedelta(hours=1)  # counted from the platform's clock, not the system's
    assert case.advance(app, timedelta(minutes=61)) == 1
    assert case.ready() == ["pagar"]  # non-interrupting: the task stays
    assert _due(case) == T0 + timedelta(hours=2)
    assert case.advance(app, timedelta(minutes=61)) == 1
    assert case.detail["next_timer_at"] is None  # R2: two repetitions only
    assert case.advance(app, timedelta(hours=5)) == 0
    assert case.path().count("recordar") == 2
    case.complete("pagar", {"pagado": True})
    assert case.status == "completed"
    path = case.path()
    assert path[0] == "inicio" and path[-2:] == ["pagar", "fin"]
    assert path.count("recordar") == 2 and path.count("fin_recordatorio") == 2


def _ready_task_data(case: Case, element_id: str) -> dict[str, Any]:
    [task] = [t for t in case.detail["tasks"] if t["element_id"] == element_id]
    response = case.api.get(f"/api/v1/tasks/{task['id']}")
    assert response.status_code == 200, response.get_json()
    data: dict[str, Any] = response.get_json()["data"]
    return data


@pytest.mark.parametrize("bundle", ["timer_interrumpe", "timer_subproceso"])
def test_the_case_data_keeps_up_with_what_a_fired_timer_changed(app: Flask, api: ApiClient, bundle: str) -> None:
    """The timer fires in the background work, a script after it writes data, a task opens:
    the case (GET /instances/<id>) shows what the new task shows, not the data before the timer.

    It lagged where the library's last task was not the script: the interrupted task's boundary
    join completes after the timer's path ran on; a sub-process's tasks are not the process's.
    """
    clock = with_clock(app)
    case = Case.start(api, bundle, {"turno": 12}, clock)
    assert "estado" not in case.data
    assert case.advance(app, timedelta(hours=2)) == 1
    assert case.ready() == ["inspeccionar"]
    assert case.data["estado"] == "vencido"
    assert case.detail["data"] == _ready_task_data(case, "inspeccionar")
    case.complete("inspeccionar", {"resultado": "visto"})
    assert case.status == "completed" and case.data["resultado"] == "visto" and case.data["estado"] == "vencido"
