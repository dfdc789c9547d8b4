"""The dashboard's decisions: bottleneck steps, SLA breaches coming, forecasts, each with its CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.forecasts import method, refresh
from engine.forecasts.models import Forecast
from engine.models import Deployment, Instance, Task
from engine.uow import unit_of_work
from tests.forecasts.seeded import daily_counts
from tests.worklists.helpers import KEY, Staffed, text_of

ZONE = "America/Argentina/Tucuman"


def _csv(staff: Staffed, who: str, table: str, query: str = "") -> list[str]:
    response = staff.web(who).client.get(f"/bandeja/tablero/{table}.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return response.get_data(as_text=True).lstrip("\ufeff").splitlines()


def test_bottlenecks_rank_steps_by_wait_and_count_who_waits_now(staff: Staffed) -> None:
    numbers = staff.start(3)
    done = staff.task_of(numbers[0])
    assert staff.api.complete(done.id, {"completo": True}).status_code == 200
    with staff.app.app_context(), unit_of_work():  # it had waited 10 hours before it was done
        completed = db.session.get(Task, done.id).completed_at
        db.session.execute(update(Task).where(Task.id == done.id).values(created_at=completed - timedelta(hours=10)))
    lines = _csv(staff, "supervisora", "cuellos")
    assert lines[0] == ("Trámite;Grupo;Paso;Completadas;Mediana de espera (horas);Percentil 90 (horas);"
                        "Esperando ahora")
    assert lines[1] == "Revisión en mesa de entradas;Mesa de Entradas;Revisar solicitud;1;10;10;2"
    page = text_of(staff.web("supervisora").client.get("/bandeja/tablero/"))
    assert "Cuellos de botella" in page and "Revisar solicitud 1 10 10 2" in page
    assert _csv(staff, "admin", "cuellos")[1:] == lines[1:]  # administrators see every group


def test_breaches_coming_list_tasks_and_cases_due_within_the_business_days(staff: Staffed) -> None:
    numbers = staff.start(3)
    now = datetime.now(UTC)
    soon, later = staff.task_of(numbers[0]), staff.task_of(numbers[1])
    with staff.app.app_context(), unit_of_work():
        calendar = city_calendar(ZONE)
        db.session.execute(update(Task).where(Task.id == soon.id).values(due_at=now + timedelta(hours=2)))
        db.session.execute(update(Task).where(Task.id == later.id).values(due_at=now + timedelta(days=60)))
        late = staff.task_of(numbers[2]).id
        db.session.execute(update(Task).where(Task.id == late).values(due_at=now - timedelta(hours=1)))
        deployment = db.session.scalars(select(Deployment).where(Deployment.key == KEY)).one()
        deployment.manifest = {**deployment.manifest, "plazo_dias_habiles": 3}
    today = calendar.local_date(now)
    case_due = calendar.add_business_days(today, 3).strftime("%d/%m/%Y")
    task_due = calendar.local_date(now + timedelta(hours=2)).strftime("%d/%m/%Y")
    lines = _csv(staff, "supervisora", "vencimientos")
    assert lines[0] == "Vence;Qué vence;Trámite;Expediente;Grupo;Paso"
    assert f"{task_due};Tarea;Revisión en mesa de entradas;{numbers[0]};Mesa de Entradas;Revisar solicitud" in lines
    cases = [line for line in lines if ";Plazo del trámite;" in line]
    assert sorted(line.split(";")[3] for line in cases) == sorted(numbers)
    assert all(line.startswith(case_due) for line in cases)
    # The task due in 60 days and the one already late are not «coming».
    assert len(lines) == 1 + 1 + 3
    # Two business days ahead: the cases' 3-day term falls outside.
    assert len(_csv(staff, "supervisora", "vencimientos", "?dias=2")) == 1 + 1
    page = text_of(staff.web("supervisora").client.get("/bandeja/tablero/?dias=2"))
    assert "Vencimientos próximos" in page and "próximos 2 días hábiles" in page
    # Another group's supervisor-less staff member sees no dashboard; a group elsewhere sees none of these.
    assert staff.web("mesa").client.get("/bandeja/tablero/vencimientos.csv").status_code == 403


def test_business_days_out_of_range_are_refused_in_spanish(staff: Staffed) -> None:
    supervisor = staff.web("supervisora")
    for bad in ("0", "31", "tres", "-1"):
        response = supervisor.client.get(f"/bandeja/tablero/?dias={bad}")
        assert response.status_code == 400
        assert "Los días hábiles deben ser un número entre 1 y 30." in text_of(response)
        assert supervisor.client.get(f"/bandeja/tablero/vencimientos.csv?dias={bad}").status_code == 400


def _seed_history(staff: Staffed, now: datetime) -> int:
    """Two years of cases of the revision procedure ending yesterday, in the seeded shape."""
    first, counts = daily_counts(level=6.0, seed=3)
    start = now.date() - timedelta(days=len(counts))
    rows: list[dict[str, Any]] = []
    with staff.app.app_context(), unit_of_work():
        deployment = db.session.scalars(select(Deployment).where(Deployment.key == KEY)).one()
        for day_index, count in enumerate(counts):
            noon = datetime.combine(start + timedelta(days=day_index), datetime.min.time(), UTC) + timedelta(hours=15)
            rows += [{"id": f"hist-{day_index}-{i}", "number": f"HIST-{day_index}-{i}", "deployment_id": deployment.id,
                      "process_key": KEY, "version": deployment.version, "status": "completed",
                      "started_by": "pruebas", "state": {}, "data": {}, "created_at": noon, "updated_at": noon}
                     for i in range(int(count))]
        db.session.execute(insert(Instance), rows)
    del first
    return len(rows)


def test_forecasts_are_fitted_by_the_background_work_and_shown_with_their_errors(staff: Staffed) -> None:
    from engine.background.jobs import run_due_work

    now = datetime.now(UTC)
    assert _seed_history(staff, now) > 3000
    with staff.app.app_context():
        run_due_work(staff.app.extensions["tramites"].engine_context(), unit_of_work)
    with staff.app.app_context(), unit_of_work():
        assert db.session.scalar(select(Forecast.computed_at)) is not None  # the background work fitted it
        assert refresh.refresh_when_due(datetime.now(UTC) + timedelta(hours=1), ZONE) is None  # once a day
        assert refresh.refresh_when_due(datetime.now(UTC) + timedelta(hours=25), ZONE) == 1
        forecast = db.session.get(Forecast, ("procedure", KEY))
        assert forecast is not None and forecast.backtest_weeks == method.HOLDOUT_WEEKS
        assert forecast.mae < forecast.naive_mae and len(forecast.weeks) == refresh.HORIZON_WEEKS
        assert all(expected > 0 for _monday, expected in forecast.weeks)
        weeks, mae, naive = forecast.weeks, forecast.mae, forecast.naive_mae
    lines = _csv(staff, "supervisora", "pronostico")
    assert lines[0].startswith("Tipo;Trámite o categoría;Semana desde;Casos esperados;Error del pronóstico")
    first_week = datetime.fromisoformat(weeks[0][0]).strftime("%d/%m/%Y")
    assert lines[1].startswith(f"Trámite;Revisión en mesa de entradas;{first_week};")
    assert f";{str(mae).replace('.', ',').rstrip('0').rstrip(',')};" in lines[1]
    assert f";{str(naive).replace('.', ',').rstrip('0').rstrip(',')};" in lines[1]
    assert len(lines) == 1 + refresh.HORIZON_WEEKS
    page = text_of(staff.web("supervisora").client.get("/bandeja/tablero/"))
    assert "Pronóstico de casos entrantes" in page and "Revisión en mesa de entradas" in page


def test_the_public_indicators_are_shown_as_published(staff: Staffed) -> None:
    from engine.figures import refresh as figures

    numbers = staff.start(2)
    assert staff.api.complete(staff.task_of(numbers[0]).id, {"completo": True}).status_code == 200
    with staff.app.app_context(), unit_of_work():
        figures.refresh(datetime.now(UTC), ZONE)
    month = datetime.now(UTC).astimezone(ZoneInfo(ZONE)).strftime("%m/%Y")
    lines = _csv(staff, "supervisora", "indicadores")
    assert lines[0].startswith("Trámite;Mes;Iniciados;Finalizados;Mediana (días hábiles)")
    # Two cases started, none finished yet: counts shown; no time or share from fewer than k = 5 cases.
    assert lines[1] == f"Revisión en mesa de entradas;{month};2;0;;;;;"
    assert len(lines) == 2
    assert "Indicadores públicos de los últimos meses" in text_of(staff.web("supervisora").client.get(
        "/bandeja/tablero/"))


def test_daily_counts_fall_on_the_citys_days_and_categories(staff: Staffed) -> None:
    from datetime import date

    moments = [("a", KEY, datetime(2026, 3, 2, 2, 30, tzinfo=UTC), {}),  # 1 March, 23:30 in Tucumán
               ("b", KEY, datetime(2026, 3, 2, 3, 30, tzinfo=UTC), {}),  # 2 March, 00:30
               ("c", "reclamo", datetime(2026, 3, 2, 15, 0, tzinfo=UTC), {"categoria": "baches"}),
               ("d", "reclamo", datetime(2026, 3, 4, 15, 0, tzinfo=UTC), {"categoria": "baches"})]  # today: left out
    with staff.app.app_context(), unit_of_work():
        deployment = db.session.scalars(select(Deployment).where(Deployment.key == KEY)).one()
        db.session.execute(insert(Instance), [
            {"id": f"day-{name}", "number": f"DAY-{name}", "deployment_id": deployment.id, "process_key": key,
             "version": 1, "status": "running", "started_by": "pruebas", "state": {}, "data": data,
             "created_at": at, "updated_at": at} for name, key, at, data in moments])
    with staff.app.app_context():
        counts, _first, last = refresh.daily_counts(datetime(2026, 3, 4, 18, 0, tzinfo=UTC), ZONE)
    assert last == date(2026, 3, 3)
    assert dict(counts[("procedure", KEY)]) == {date(2026, 3, 1): 1, date(2026, 3, 2): 1}
    assert dict(counts[("procedure", "reclamo")]) == {date(2026, 3, 2): 1}
    assert dict(counts[("reclamo_category", "baches")]) == {date(2026, 3, 2): 1}


def test_a_supervisor_sees_only_their_groups_bottlenecks_and_breaches(staff: Staffed) -> None:
    from engine.identity.accounts import ensure_user
    from tests.fixtures.identity import password_of

    numbers = staff.start(2)
    assert staff.api.complete(staff.task_of(numbers[0]).id, {"completo": True}).status_code == 200
    waiting = staff.task_of(numbers[1])
    with staff.app.app_context(), unit_of_work():
        db.session.execute(update(Task).where(Task.id == waiting.id)
                           .values(due_at=datetime.now(UTC) + timedelta(hours=2)))
        ensure_user("jefe_inspeccion", display_name="Jefe de Inspección", password=password_of("jefe_inspeccion"),
                    roles=("staff", "supervisor"), groups=("inspeccion",))
    assert len(_csv(staff, "supervisora", "cuellos")) == 2 and len(_csv(staff, "supervisora", "vencimientos")) == 2
    assert len(_csv(staff, "jefe_inspeccion", "cuellos")) == 1  # the header only
    assert _csv(staff, "jefe_inspeccion", "vencimientos") == ["Vence;Qué vence;Trámite;Expediente;Grupo;Paso"]
