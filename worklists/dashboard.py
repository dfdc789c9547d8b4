"""The supervisors' dashboard (``/bandeja/tablero``): backlog, throughput, time in step, the turnero's figures, CSV.

People read procedures by their name, groups by their display name and weeks by their Monday;
the page and the CSV show the same cells, written es-AR (:mod:`worklists.spreadsheet`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.appointments import figures as appointment_figures
from engine.dates import date_text
from engine.deadlines.holidays import city_calendar
from engine.errors import EngineError, NotFound
from engine.identity.access import roles_required
from engine.identity.accounts import User, group_title
from worklists import charts, dashboard_decisions, spreadsheet, web, wording
from worklists.queries import dashboard
from worklists.queries.inbox import procedures

bp = Blueprint("dashboard", __name__, url_prefix="/bandeja/tablero", template_folder="templates")
web.install_errors(bp)
TABLES = {
    "pendientes": (_l("Trámite"), _l("Grupo"), _l("Abiertas"), _l("Vencidas")),
    "resueltas": (_l("Trámite"), _l("Grupo"), _l("Semana del"), _l("Completadas")),
    "tiempos": (_l("Trámite"), _l("Grupo"), _l("Paso"), _l("Completadas"), _l("Mediana (horas)")),
    "turnos": (_l("Servicio"), _l("Oficina"), _l("Reservados"), _l("Sin turno"), _l("Atendidos"), _l("Ausentes"),
               _l("Cancelados"), _l("Espera mediana (min)"), _l("Espera máxima (min)")),
}
#: The turnero's figures cover the last days up to today unless ``desde``/``hasta`` say otherwise.
FIGURE_DAYS = 30


def _scope(person: User) -> list[str] | None:
    """Supervisors see their groups' work; administrators every group's."""
    return None if "admin" in person.role_set else person.group_names


def _period() -> tuple[date, date, dict[str, str]]:
    """The days of the turnero's figures: ``?desde=&hasta=`` (AAAA-MM-DD), else the last :data:`FIGURE_DAYS`
    up to today; a malformed day keeps its default and is named in the problems returned."""
    today = city_calendar(web.zone().key).local_date(web.now())
    days = {"desde": today - timedelta(days=FIGURE_DAYS - 1), "hasta": today}
    problems: dict[str, str] = {}
    for name in days:
        text = request.args.get(name, "").strip()
        try:
            days[name] = date.fromisoformat(text) if text else days[name]
        except ValueError:
            problems[name] = _("Escriba una fecha como AAAA-MM-DD, por ejemplo 2026-12-04.")
    first, last = sorted((days["desde"], days["hasta"]))
    return first, last, problems


def _appointment_rows(groups: list[str] | None, zone: str) -> list[tuple[Any, ...]]:
    first, last, _problems = _period()
    return [(f.service, f.office, f.booked, f.walk_ins, f.attended, f.no_shows, f.cancelled,
             f.waiting_median_minutes, f.waiting_longest_minutes)
            for f in appointment_figures.figures(first, last, timezone=zone, groups=groups)]


def _tables() -> dict[str, list[tuple[Any, ...]]]:
    groups, now = _scope(web.user()), web.now()
    zone = web.runtime().settings["TIMEZONE"]
    names = dict(procedures())
    titles: dict[str, str] = {}

    def named(key: str, group: str) -> tuple[str, str]:
        if group not in titles:
            titles[group] = group_title(group)
        return names.get(key, key), titles[group]

    return {
        "pendientes": [(*named(b.procedure, b.group), b.open, b.overdue) for b in dashboard.backlog(groups, now)],
        "resueltas": [(*named(t.procedure, t.group), wording.week_start(t.week), t.completed)
                      for t in dashboard.throughput(groups, now, zone)],
        "tiempos": [(*named(s.procedure, s.group), s.step, s.completed, s.median_hours)
                    for s in dashboard.step_times(groups, now)],
        "turnos": _appointment_rows(groups, zone),
    }


@bp.get("/")
@roles_required("supervisor")
def index() -> ResponseReturnValue:
    """The three tables, each with its chart and its CSV link."""
    tables = _tables()
    weekly: dict[date, int] = defaultdict(int)
    for _p, _g, week, n in tables["resueltas"]:
        weekly[week] += n
    chart_list = [
        charts.bars(_("Tareas abiertas por trámite y grupo"),
                    [(f"{p} · {g}", n) for p, g, n, _o in tables["pendientes"]]),
        charts.bars(_("Tareas completadas por semana"),
                    [(_("Semana del %(fecha)s", fecha=date_text(week)), n) for week, n in sorted(weekly.items())]),
        charts.bars(_("Mediana de horas en cada paso"), [(f"{p} · {s}", h) for p, _g, s, _n, h in tables["tiempos"]],
                    " h"),
        charts.bars(_("Turnos atendidos por servicio y oficina"),
                    [(f"{row[0]} · {row[1]}", row[4]) for row in tables["turnos"]]),
    ]
    cells = {name: [[spreadsheet.cell_text(v) for v in row] for row in rows] for name, rows in tables.items()}
    first, last, problems = _period()
    days = dashboard_decisions.business_days()
    decided = {name: [[spreadsheet.cell_text(v) for v in row] for row in rows]
               for name, rows in dashboard_decisions.tables(_scope(web.user()), days).items()}
    return render_template("worklists/dashboard.html", tables=cells, headers=TABLES, charts=chart_list,
                           period={"desde": first.isoformat(), "hasta": last.isoformat()}, problems=problems,
                           period_text=_("%(desde)s al %(hasta)s", desde=date_text(first), hasta=date_text(last)),
                           decisions=decided, decision_headers=dashboard_decisions.TABLES,
                           decision_titles=dashboard_decisions.TITLES, days=days,
                           max_days=dashboard_decisions.MAX_DAYS), 400 if problems else 200


@bp.get("/<table>.csv")
@roles_required("supervisor")
def export(table: str) -> ResponseReturnValue:
    """One table as a CSV that a spreadsheet set to es-AR opens as it is."""
    if table in dashboard_decisions.TABLES:
        rows = dashboard_decisions.tables(_scope(web.user()), dashboard_decisions.business_days())[table]
        return spreadsheet.csv_response(f"tablero-{table}.csv", dashboard_decisions.TABLES[table], rows)
    if table not in TABLES:
        raise NotFound("Esa tabla no existe.")
    rows = _tables()[table]
    if table == "turnos":
        first, last, problems = _period()
        if problems:
            raise EngineError(next(iter(problems.values())))
        return spreadsheet.csv_response(f"tablero-turnos-{first.isoformat()}-{last.isoformat()}.csv", TABLES[table],
                                        rows)
    return spreadsheet.csv_response(f"tablero-{table}.csv", TABLES[table], rows)
