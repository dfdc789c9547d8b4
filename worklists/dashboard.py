"""The supervisors' dashboard (``/bandeja/tablero``): backlog, throughput, time in step, CSV."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import NotFound
from engine.identity.access import roles_required
from engine.identity.accounts import User
from worklists import charts, web
from worklists.queries import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/bandeja/tablero", template_folder="templates")
web.install_errors(bp)
TABLES = {
    "pendientes": (_l("Trámite"), _l("Grupo"), _l("Abiertas"), _l("Vencidas")),
    "resueltas": (_l("Trámite"), _l("Grupo"), _l("Semana"), _l("Completadas")),
    "tiempos": (_l("Trámite"), _l("Grupo"), _l("Paso"), _l("Completadas"), _l("Mediana (horas)")),
}


def _scope(person: User) -> list[str] | None:
    """Supervisors see their groups' work; administrators every group's."""
    return None if "admin" in person.role_set else person.group_names


def _tables() -> dict[str, list[tuple[Any, ...]]]:
    groups, now = _scope(web.user()), web.now()
    zone = web.runtime().settings["TIMEZONE"]
    return {
        "pendientes": [(b.procedure, b.group, b.open, b.overdue) for b in dashboard.backlog(groups, now)],
        "resueltas": [(t.procedure, t.group, t.week, t.completed)
                      for t in dashboard.throughput(groups, now, zone)],
        "tiempos": [(s.procedure, s.group, s.step, s.completed, s.median_hours)
                    for s in dashboard.step_times(groups, now)],
    }


@bp.get("/")
@roles_required("supervisor")
def index() -> ResponseReturnValue:
    """The three tables, each with its chart and its CSV link."""
    tables = _tables()
    weekly: dict[str, int] = defaultdict(int)
    for _p, _g, week, n in tables["resueltas"]:
        weekly[week] += n
    chart_list = [
        charts.bars(_("Tareas abiertas por trámite y grupo"),
                    [(f"{p} · {g}", n) for p, g, n, _o in tables["pendientes"]]),
        charts.bars(_("Tareas completadas por semana"), sorted(weekly.items())),
        charts.bars(_("Mediana de horas en cada paso"), [(f"{p} · {s}", h) for p, _g, s, _n, h in tables["tiempos"]],
                    " h"),
    ]
    return render_template("worklists/dashboard.html", tables=tables, headers=TABLES, charts=chart_list)


@bp.get("/<table>.csv")
@roles_required("supervisor")
def export(table: str) -> ResponseReturnValue:
    """One table as CSV (UTF-8 with BOM, so spreadsheets read the accents)."""
    if table not in TABLES:
        raise NotFound("Esa tabla no existe.")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in TABLES[table]])
    writer.writerows(_tables()[table])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="tablero-{table}.csv"'})
