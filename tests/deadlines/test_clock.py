"""SLAs on a real BPMN model and the clock that pauses while the case waits for the citizen.

The bundle (``tests/data/deadlines/plazos``) runs a review with ``sla P2D`` and, in parallel,
an inspection with ``sla P5D``; the review may send the case back to the applicant
("Corregir la solicitud", in the Ciudadano lane). Time moves by setting ``Runtime.clock``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Flask

from engine.deadlines import clock as deadline_clock
from tests.deadlines.common import BUNDLE, KEY, expected_date, in_app, set_holidays
from tests.engine.test_constructs_common import Case, with_clock
from tests.fixtures.engine import ApiClient

# Monday 2 March 2026, 06:00 in Tucumán.
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _end_of_local_day(day: date) -> str:
    """What the API shows for a due time at 23:59:59 in Tucumán (UTC−3)."""
    return datetime(day.year, day.month, day.day + 1, 2, 59, 59, tzinfo=UTC).isoformat()


def _due(case: Case) -> dict[str, Any]:
    return {t["element_id"]: t["due_at"] for t in case.detail["tasks"]}


def _start(app: Flask, api: ApiClient) -> Case:
    clock = with_clock(app)
    clock.now = MONDAY
    assert api.deploy(BUNDLE).status_code in (200, 201)
    started = api.start(KEY, {})
    assert started.status_code == 201, started.get_json()
    return Case(api, started.get_json()["id"], clock)


def test_slas_are_business_days_that_skip_holidays(app: Flask, api: ApiClient) -> None:
    set_holidays(app, date(2026, 3, 3))  # Tuesday
    case = _start(app, api)
    # P2D from Monday skips the Tuesday holiday: Thursday; P5D: the next Tuesday.
    assert _due(case) == {"revisar": _end_of_local_day(date(2026, 3, 5)),
                          "inspeccionar": _end_of_local_day(date(2026, 3, 10))}
    assert in_app(app, case.id, expected_date(app)) == date(2026, 3, 17)  # 10 business days, one holiday


def test_a_correction_pauses_the_clock_and_resuming_moves_the_open_due_dates(app: Flask, api: ApiClient) -> None:
    set_holidays(app)
    case = _start(app, api)
    assert _due(case)["inspeccionar"] == _end_of_local_day(date(2026, 3, 9))
    assert not in_app(app, case.id, deadline_clock.is_paused)

    case.complete("revisar", {"completo": False})
    assert case.ready() == ["corregir", "inspeccionar"]
    assert in_app(app, case.id, deadline_clock.is_paused)
    # While paused, the expected date moves day by day (10 business days from Monday: 16 March).
    case.clock.now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # Wednesday
    assert in_app(app, case.id, expected_date(app)) == date(2026, 3, 18)

    case.clock.now = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)  # Thursday: Tue, Wed and Thu paused
    case.complete("corregir", {"respuesta": "Adjunto el plano"})
    assert not in_app(app, case.id, deadline_clock.is_paused)
    due = _due(case)
    assert due["inspeccionar"] == _end_of_local_day(date(2026, 3, 12))  # moved 3 business days later
    assert due["revisar"] == _end_of_local_day(date(2026, 3, 9))  # a new task: P2D from Thursday
    assert in_app(app, case.id, expected_date(app)) == date(2026, 3, 19)

    events = [e for e in case.events() if e["type"] in ("clock_paused", "clock_resumed")]
    assert [e["type"] for e in events] == ["clock_paused", "clock_resumed"]
    assert events[1]["data"]["business_days"] == 3 and len(events[1]["data"]["moved_tasks"]) == 1


def test_a_pause_within_one_day_moves_nothing_and_the_finished_case_keeps_its_expected_date(
        app: Flask, api: ApiClient) -> None:
    set_holidays(app)
    case = _start(app, api)
    before = _due(case)["inspeccionar"]
    case.complete("revisar", {"completo": False})
    case.clock.now = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # the same Monday, later
    case.complete("corregir", {"respuesta": "Listo"})
    assert _due(case)["inspeccionar"] == before
    case.complete("revisar", {"completo": True})
    case.complete("inspeccionar", {"informe": "Sin observaciones"})
    assert case.status == "completed"
    assert in_app(app, case.id, expected_date(app)) == date(2026, 3, 16)
    resumed = [e for e in case.events() if e["type"] == "clock_resumed"]
    assert resumed[0]["data"] == {"business_days": 0, "moved_tasks": []}


def test_a_procedure_without_a_duration_has_no_expected_date(app: Flask, api: ApiClient) -> None:
    assert api.deploy("simple").status_code in (200, 201)
    started = api.start("tramite_simple", {})
    assert started.status_code == 201, started.get_json()
    assert in_app(app, started.get_json()["id"], expected_date(app)) is None


def test_a_case_terminated_while_waiting_for_the_citizen_keeps_its_expected_date(app: Flask, api: ApiClient) -> None:
    set_holidays(app)
    case = _start(app, api)
    case.complete("revisar", {"completo": False})  # paused on Monday
    case.clock.now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # Wednesday: two business days paused
    ended = api.post(f"/api/v1/instances/{case.id}:terminate", json={"reason": "Desistimiento"})
    assert ended.status_code == 200, ended.get_json()
    case.clock.now = datetime(2026, 4, 30, 15, 0, tzinfo=UTC)
    assert in_app(app, case.id, expected_date(app)) == date(2026, 3, 18)
