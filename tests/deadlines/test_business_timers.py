"""Business-day timers (``dias_habiles(10)``) and the scripts' date helpers, in December 2026.

Monday 7 and Tuesday 8 December are holidays. A correction asked for on Friday 4 December is
due 10 business days later: Tuesday 22 December (a Monday–Friday count without the holidays
would say Friday 18). The SLA, the timer and the date a script computes for the citizen must be
that same moment, the end of 22/12 in Tucumán. Time moves by setting ``Runtime.clock``;
``Case.advance`` fires due timers as the background runner does.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from engine.deadlines.holidays import Calendar
from engine.deadlines.scripting import MAX_DAYS, BusinessDayError, BusinessDays, helpers
from engine.sandbox import SandboxedEnvironment, ScriptError
from engine.workflow.spiff import ScriptEngine
from engine.workflow.tasks import due_date
from tests.deadlines.common import set_holidays
from tests.engine.test_constructs_common import Case, with_clock
from tests.fixtures.engine import ApiClient

DATA = Path(__file__).resolve().parent.parent / "data" / "deadlines"
ZONE = ZoneInfo("America/Argentina/Tucuman")
HOLIDAYS = (date(2026, 12, 7), date(2026, 12, 8))
FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=ZONE)  # Friday 4 December, 10:00 in Tucumán
DUE = datetime(2026, 12, 22, 23, 59, 59, tzinfo=ZONE)  # end of the 10th business day


def _start(app: Flask, api: ApiClient, bundle: str, when: datetime) -> Case:
    set_holidays(app, *HOLIDAYS)
    clock = with_clock(app)
    clock.now = when.astimezone(UTC)
    deployed = api.deploy(DATA / bundle)
    assert deployed.status_code in (200, 201), deployed.get_json()
    started = api.start(bundle, {})
    assert started.status_code == 201, started.get_json()
    return Case(api, started.get_json()["id"], clock)


def _task_due(case: Case, element_id: str) -> datetime:
    return next(datetime.fromisoformat(t["due_at"]) for t in case.detail["tasks"] if t["element_id"] == element_id)


def _next_timer(case: Case) -> datetime:
    return datetime.fromisoformat(case.detail["next_timer_at"])


def _move_to(app: Flask, case: Case, moment: datetime) -> int:
    return case.advance(app, moment.astimezone(UTC) - case.clock.now)


# --- the timer, the SLA and the script agree -------------------------------------------------


def test_a_correction_from_friday_4_december_is_due_and_expires_on_22_december(app: Flask, api: ApiClient) -> None:
    case = _start(app, api, "vencimiento_habil", FRIDAY)
    assert case.ready() == ["corregir"]
    # The SLA the platform shows, the timer the runner fires and the script's date: one moment.
    assert _task_due(case, "corregir") == DUE
    assert _next_timer(case) == DUE
    data = case.data
    assert datetime.fromisoformat(data["vence_correccion"]) == DUE
    assert data["vence_correccion"].startswith("2026-12-22T23:59:59")  # city time, for «vence el 22/12/2026»
    assert data["vence_correccion_dia"] == "2026-12-22"
    assert data["vence_correccion_texto"] == "22/12/2026"
    assert data["hoy_es_habil"] is True

    # A Monday–Friday count would have expired it at the end of Friday 18: it must still wait.
    assert _move_to(app, case, datetime(2026, 12, 19, 0, 0, 1, tzinfo=ZONE)) == 0
    assert _move_to(app, case, datetime(2026, 12, 22, 23, 59, 58, tzinfo=ZONE)) == 0
    assert case.ready() == ["corregir"]
    assert _move_to(app, case, datetime(2026, 12, 23, 0, 0, 1, tzinfo=ZONE)) == 1
    assert case.status == "completed"
    assert case.data["resultado"] == "vencido"
    assert case.path()[-2:] == ["vencer", "fin_vencido"]


def test_the_timer_on_the_citizens_own_step_does_not_pause(app: Flask, api: ApiClient) -> None:
    # The case waits for the citizen the whole time (its clock is paused): the deadline stays.
    case = _start(app, api, "vencimiento_habil", FRIDAY)
    assert _move_to(app, case, datetime(2026, 12, 21, 12, 0, tzinfo=ZONE)) == 0
    assert _next_timer(case) == DUE
    assert _move_to(app, case, datetime(2026, 12, 23, 0, 0, 1, tzinfo=ZONE)) == 1
    assert case.data["resultado"] == "vencido"


def test_a_holiday_added_later_does_not_move_a_timer_already_running(app: Flask, api: ApiClient) -> None:
    # The due moment is fixed when the timer starts, as a task's due date is.
    case = _start(app, api, "vencimiento_habil", FRIDAY)
    set_holidays(app, *HOLIDAYS, date(2026, 12, 21))
    assert _move_to(app, case, datetime(2026, 12, 23, 0, 0, 1, tzinfo=ZONE)) == 1
    assert case.data["resultado"] == "vencido"


def test_answering_in_time_cancels_the_timer(app: Flask, api: ApiClient) -> None:
    case = _start(app, api, "vencimiento_habil", FRIDAY)
    case.clock.now = datetime(2026, 12, 18, 12, 0, tzinfo=ZONE).astimezone(UTC)
    case.complete("corregir", {"respuesta": "Adjunto el plano"})
    assert case.status == "completed" and case.detail["next_timer_at"] is None
    assert "resultado" not in case.data


# --- a staff step's timer moves with the pause ------------------------------------------------


def test_a_staff_timer_moves_later_by_the_business_days_the_citizen_took(app: Flask, api: ApiClient) -> None:
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)
    case = _start(app, api, "escalamiento_habil", monday)
    assert case.ready() == ["aportar", "revisar"]
    # 5 business days from Monday 30/11 skip the holidays: Wednesday 9 December.
    first_due = datetime(2026, 12, 9, 23, 59, 59, tzinfo=ZONE)
    assert _task_due(case, "revisar") == first_due and _next_timer(case) == first_due

    # The citizen answers on Thursday 3/12: the clock stood still Tue 1, Wed 2 and Thu 3.
    case.clock.now = datetime(2026, 12, 3, 11, 0, tzinfo=ZONE).astimezone(UTC)
    case.complete("aportar", {"respuesta": "Adjunto el documento"})
    moved = datetime(2026, 12, 14, 23, 59, 59, tzinfo=ZONE)  # 9/12 + 3 business days: 10, 11, 14
    assert _task_due(case, "revisar") == moved
    assert _next_timer(case) == moved  # the runner's index follows the timer

    assert _move_to(app, case, datetime(2026, 12, 10, 0, 0, 1, tzinfo=ZONE)) == 0
    assert _move_to(app, case, datetime(2026, 12, 14, 23, 59, 58, tzinfo=ZONE)) == 0
    assert "escalado" not in case.data
    assert _move_to(app, case, datetime(2026, 12, 15, 0, 0, 1, tzinfo=ZONE)) == 1
    assert case.data["escalado"] is True
    assert case.ready() == ["revisar"]  # non-interrupting: the review stays


def test_a_pause_within_the_same_day_leaves_the_staff_timer_alone(app: Flask, api: ApiClient) -> None:
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)
    case = _start(app, api, "escalamiento_habil", monday)
    case.clock.now = datetime(2026, 11, 30, 18, 0, tzinfo=ZONE).astimezone(UTC)
    case.complete("aportar", {"respuesta": "Listo"})
    assert _next_timer(case) == datetime(2026, 12, 9, 23, 59, 59, tzinfo=ZONE)


# --- the helpers, alone and in the sandbox -----------------------------------------------------


def _calendar() -> Calendar:
    return Calendar(ZONE, frozenset(HOLIDAYS))


def _helpers(now: datetime = FRIDAY) -> dict[str, Any]:
    return helpers(lambda: now.astimezone(UTC), _calendar)


def test_the_helpers_count_with_the_holiday_calendar() -> None:
    found = _helpers()
    assert found["dias_habiles_desde"]("2026-12-04", 10) == "2026-12-22"
    assert found["dias_habiles_desde"](date(2026, 12, 4), 0) == "2026-12-04"
    assert found["dias_habiles_desde"]("2026-12-04T23:30:00-03:00", 1) == "2026-12-09"  # city date of the moment
    assert found["dias_habiles_desde"]("2026-12-05T02:30:00+00:00", 1) == "2026-12-09"  # 23:30 on 4/12 in Tucumán
    assert found["es_dia_habil"]("2026-12-07") is False  # holiday
    assert found["es_dia_habil"]("2026-12-05") is False  # Saturday
    assert found["es_dia_habil"](date(2026, 12, 9)) is True
    assert found["dias_habiles_entre"]("2026-12-04", "2026-12-22") == 10
    assert found["dias_habiles_entre"]("2026-12-22", "2026-12-04") == 0
    assert found["hoy"]() == "2026-12-04"
    assert found["vence_en_dias_habiles"](10) == "2026-12-22T23:59:59-03:00"
    assert found["fecha_texto"](found["vence_en_dias_habiles"](10)) == "22/12/2026"  # «vence el 22/12/2026»
    assert found["fecha_texto"]("2026-12-23T02:59:59+00:00") == "22/12/2026"  # the city's date of the moment


def test_the_helpers_read_the_engine_clock_not_the_system_clock() -> None:
    later = _helpers(datetime(2031, 5, 2, 1, 0, tzinfo=UTC))  # 1 May 2031, 22:00 in Tucumán
    assert later["hoy"]() == "2031-05-01"


def test_dias_habiles_is_a_marked_duration_that_stays_plain_text() -> None:
    value = _helpers()["dias_habiles"](10)
    assert isinstance(value, BusinessDays) and value == "P10D" and value.days == 10
    assert copy.deepcopy(value).days == 10 and json.dumps({"plazo": value}) == '{"plazo": "P10D"}'


@pytest.mark.parametrize(("call", "words"), [
    (lambda h: h["dias_habiles"]("diez"), "dias_habiles(n): la cantidad de días debe ser un número entero"),
    (lambda h: h["dias_habiles"](-1), "entre 0 y"),
    (lambda h: h["dias_habiles"](True), "«True»"),
    (lambda h: h["dias_habiles"](MAX_DAYS + 1), f"entre 0 y {MAX_DAYS}"),
    (lambda h: h["dias_habiles_desde"]("4/12/2026", 3), "«4/12/2026» no es una fecha; escríbala como AAAA-MM-DD"),
    (lambda h: h["es_dia_habil"]([1, 2]), "se esperaba una fecha (AAAA-MM-DD) y se recibió «lista»"),
])
def test_wrong_arguments_get_a_spanish_message(call: Any, words: str) -> None:
    with pytest.raises(BusinessDayError) as raised:
        call(_helpers())
    assert words in str(raised.value)


def _engine() -> ScriptEngine:
    return ScriptEngine(now=lambda: FRIDAY.astimezone(UTC), calendar=_calendar)


def _evaluate(engine: ScriptEngine, expression: str) -> Any:
    environment = engine.environment
    assert isinstance(environment, SandboxedEnvironment)
    return environment.evaluate(expression, {})


def test_the_helpers_are_known_names_in_the_sandbox() -> None:
    engine = _engine()
    assert _evaluate(engine, "dias_habiles_desde('2026-12-04', 10)") == "2026-12-22"
    assert _evaluate(engine, "dias_habiles(10)").days == 10
    context: dict[str, Any] = {"inicio": "2026-12-04"}
    engine.environment.execute("vence = dias_habiles_desde(inicio, 10)\nhabil = es_dia_habil(vence)", context)
    assert context == {"inicio": "2026-12-04", "vence": "2026-12-22", "habil": True}  # no helper left in the data


@pytest.mark.parametrize(("expression", "words"), [
    ("dias_habiles('diez')", "dias_habiles(n): la cantidad de días debe ser un número entero entre 0 y"),
    ("dias_habiles(1, 2)", "dias_habiles: se escribe dias_habiles(n)."),
    ("dias_habiles_desde('el lunes', 2)", "«el lunes» no es una fecha"),
])
def test_a_wrong_call_in_the_sandbox_is_a_spanish_script_error(expression: str, words: str) -> None:
    with pytest.raises(ScriptError) as raised:
        _evaluate(_engine(), expression)
    assert words in str(raised.value)
    assert "Error" not in str(raised.value)  # no Python type name in front of the analyst's message


def test_a_wrong_business_day_timer_becomes_a_spanish_incident(app: Flask, api: ApiClient, tmp_path: Path) -> None:
    target = tmp_path / "vencimiento_habil"
    shutil.copytree(DATA / "vencimiento_habil", target)
    bpmn = target / "vencimiento_habil.bpmn"
    # A variable: known only when the case runs (a literal is refused at deploy, see below).
    text = bpmn.read_text(encoding="utf-8").replace(">dias_habiles(10)<", ">dias_habiles(plazo)<")
    bpmn.write_text(text.replace("hoy_es_habil = ", "plazo = 'diez'\nhoy_es_habil = "), encoding="utf-8")
    set_holidays(app, *HOLIDAYS)
    with_clock(app).now = FRIDAY.astimezone(UTC)
    assert api.deploy(target).status_code in (200, 201)
    started = api.start("vencimiento_habil", {})
    assert started.status_code == 201, started.get_json()
    detail = api.instance(started.get_json()["id"])
    assert detail["status"] == "error", detail
    incident = detail["incidents"][0]
    assert incident["element_id"] == "correccion_vencida"
    assert "la cantidad de días debe ser un número entero" in incident["message"], incident["message"]


def test_wrong_literal_arguments_are_refused_at_deploy_with_every_problem(api: ApiClient, tmp_path: Path) -> None:
    target = tmp_path / "vencimiento_habil"
    shutil.copytree(DATA / "vencimiento_habil", target)
    bpmn = target / "vencimiento_habil.bpmn"
    text = bpmn.read_text(encoding="utf-8").replace(">dias_habiles(10)<", ">dias_habiles('diez')<")
    bpmn.write_text(text.replace("dias_habiles_desde(hoy(), 10)", "dias_habiles_desde('4/12/2026', 10)"),
                    encoding="utf-8")
    response = api.deploy(target)
    assert response.status_code == 422, response.get_json()
    problems = {(p.get("element"), p["message"].split(": ", 1)[1]) for p in response.get_json()["errors"]}
    assert ("correccion_vencida", "dias_habiles(n): la cantidad de días debe ser un número entero entre 0 y "
            f"{MAX_DAYS} (se recibió «diez»).") in problems, problems
    assert ("calcular", "dias_habiles_desde(fecha, n): «4/12/2026» no es una fecha; "
            "escríbala como AAAA-MM-DD.") in problems, problems


def test_the_sla_and_the_timer_share_one_rule() -> None:
    calendar = _calendar()
    now = FRIDAY.astimezone(UTC)
    assert due_date("P10D", now, calendar) == calendar.due_after(now, 10) == DUE
    assert due_date("P2W", now, calendar) == calendar.due_after(now, 10)
    assert calendar.due_after(now, 0) == datetime(2026, 12, 4, 23, 59, 59, tzinfo=ZONE)
    assert timedelta(0) < DUE - now
