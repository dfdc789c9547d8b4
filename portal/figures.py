"""The public figures (``/datos/``): how each procedure performs, the reclamos map, the open data.

Readable without an account. Every page reads the aggregates the background work keeps
(``engine/figures``), with the minimum count k applied, and shows each chart's numbers in a
table beside it. See ``docs/datos-abiertos.md``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.db import utcnow
from engine.figures import hexgrid, months, opendata, queries
from engine.figures.datasets import DATASETS
from engine.figures.reclamos import NO_POINT
from engine.identity.access import public
from engine.intake.reclamos import CATEGORIES, PROCESS_KEY
from engine.web.request import runtime
from portal import charts, security

bp = Blueprint("figures", __name__, url_prefix="/datos")
security.install_errors(bp)

#: How many months the city's page and a procedure's page show.
SHOWN_MONTHS = 12
MONTH_NAMES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")


def _k() -> int:
    return runtime().figures.min_count


def _since() -> date:
    """The first of the :data:`SHOWN_MONTHS` months up to the current one."""
    month = months.month_of(runtime().clock(), runtime().settings["TIMEZONE"])
    for _i in range(SHOWN_MONTHS - 1):
        month = date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)
    return month


def month_name(month: date) -> str:
    """``mar 2026``: how a month is written on the pages."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _procedure_totals(figures: list[queries.MonthFigure]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for f in figures:
        row = totals.setdefault(f.process_key, {"started": 0, "finished": 0})
        row["started"] += f.started
        row["finished"] += f.finished
    return totals


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """The city: cases started and finished per month, and each procedure's last twelve months."""
    since = _since()
    city = queries.city_months(since)
    totals = _procedure_totals(queries.procedure_months(_k(), since=since))
    listed = [(p, totals[p.key]) for p in queries.procedures() if p.key in totals]
    started = charts.columns(_("Casos iniciados por mes"), [(month_name(m), s) for m, s, _f in city])
    finished = charts.columns(_("Casos finalizados por mes"), [(month_name(m), f) for m, _s, f in city])
    return render_template("figures/index.html", city=city, charts=(started, finished), listed=listed,
                           month_name=month_name, since=since)


@bp.get("/<key>")
@public
def procedure(key: str) -> ResponseReturnValue:
    """One procedure month by month: started, finished, time to finish, on time, refused, appointments."""
    found = next((p for p in queries.procedures() if p.key == key), None)
    if found is None:
        abort(404)
    figures = queries.procedure_months(_k(), process_key=key, since=_since())
    series: list[tuple[str, float | None]]
    shown = [(_("Casos iniciados"), [(month_name(f.month), f.started) for f in figures], ""),
             (_("Casos finalizados"), [(month_name(f.month), f.finished) for f in figures], ""),
             (_("Mediana de días hábiles hasta finalizar"),
              [(month_name(f.month), f.median_days) for f in figures], "")]
    if found.declares_term:
        series = [(month_name(f.month), _percent(f.on_time_share)) for f in figures]
        shown.append((_("Porcentaje finalizado en plazo"), series, " %"))
    if found.declares_refusal:
        series = [(month_name(f.month), _percent(f.refused_share)) for f in figures]
        shown.append((_("Porcentaje rechazado"), series, " %"))
    has_appointments = any(f.appointment_wait_days is not None for f in figures)
    return render_template("figures/procedure.html", procedure=found, figures=figures, month_name=month_name,
                           charts=[charts.columns(title, items, unit) for title, items, unit in shown],
                           percent=_percent, number=charts.number_text, k=_k(),
                           has_appointments=has_appointments)


def _chosen_month(available: list[date]) -> date | None:
    wanted = request.args.get("mes", "")
    for month in available:
        if months.label(month) == wanted:
            return month
    if wanted:
        abort(404)
    return available[0] if available else None


@bp.get("/reclamos")
@public
def reclamos_map() -> ResponseReturnValue:
    """The reclamos of a month on the map by hex cell, category and state, with the same table."""
    available = queries.reclamo_months(_k())
    month = _chosen_month(available)
    cells = queries.reclamo_cells(_k(), month) if month else []
    return render_template("figures/reclamos.html", months_available=available, month=month, cells=cells,
                           month_name=month_name, label=months.label, categories=CATEGORIES, k=_k(),
                           number=charts.number_text, no_point=NO_POINT, process_key=PROCESS_KEY)


@bp.get("/reclamos/celdas.geojson")
@public
def reclamo_cells() -> ResponseReturnValue:
    """The month's cells as GeoJSON polygons for the map (only the cells the table shows)."""
    month = _chosen_month(queries.reclamo_months(_k()))
    size = runtime().figures.hex_m
    features: list[dict[str, Any]] = []
    for c in queries.reclamo_cells(_k(), month) if month else []:
        if c.cell == NO_POINT:
            continue
        ring = [[lon, lat] for lat, lon in hexgrid.corners(c.cell, size)]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                         "properties": {"categoria": CATEGORIES[c.category].name if c.category in CATEGORIES
                                        else c.category, "total": c.total, "abiertos": c.open,
                                        "resueltos": c.resolved, "mediana": c.median_days_to_resolve}})
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    return response


@bp.get("/abiertos")
@public
def open_data() -> ResponseReturnValue:
    """Every dataset with its DCAT metadata and its downloads, as last published."""
    catalogue = opendata.published_catalogue()
    published = opendata.published(opendata.CATALOGUE)
    return render_template("figures/open_data.html", catalogue=catalogue, datasets=DATASETS,
                           published_at=published.published_at if published else None,
                           timezone=runtime().settings["TIMEZONE"], now=utcnow())


@bp.get("/abiertos/<name>")
@public
def download(name: str) -> ResponseReturnValue:
    """A published file: a dataset's CSV or JSON, the data dictionary or the DCAT catalogue."""
    found = opendata.published(name)
    if found is None:
        abort(404)
    response = Response(found.content, mimetype=found.media_type.split(";")[0])
    if found.media_type.startswith("text/csv"):
        response.headers["Content-Type"] = found.media_type
        response.headers["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response.headers["ETag"] = f'"{found.sha256}"'
    response.headers["Last-Modified"] = found.published_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@bp.get("/data.json")
@public
def catalogue() -> ResponseReturnValue:
    """The DCAT catalogue at its usual place."""
    return download(opendata.CATALOGUE)
