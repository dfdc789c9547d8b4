"""The dashboard's decisions: bottleneck steps, SLA breaches coming, forecasts of incoming cases.

Kept apart from :mod:`worklists.dashboard`'s own tables (which it serves through the same page
and CSV route): each table here is a list of rows, written es-AR by :mod:`worklists.spreadsheet`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import EngineError
from engine.identity.accounts import group_title
from engine.intake.reclamos import CATEGORIES
from worklists import web
from worklists.queries import decisions
from worklists.queries.inbox import procedures

DEFAULT_DAYS, MAX_DAYS = 5, 30
TABLES = {
    "indicadores": (_l("Trámite"), _l("Mes"), _l("Iniciados"), _l("Finalizados"),
                    _l("Mediana (días hábiles)"), _l("Percentil 90 (días hábiles)"),
                    _l("Dentro del plazo (%)"), _l("Rechazados (%)"), _l("Espera de turno (días)")),
    "cuellos": (_l("Trámite"), _l("Grupo"), _l("Paso"), _l("Completadas"), _l("Mediana de espera (horas)"),
                _l("Percentil 90 (horas)"), _l("Esperando ahora")),
    "vencimientos": (_l("Vence"), _l("Qué vence"), _l("Trámite"), _l("Expediente"), _l("Grupo"), _l("Paso")),
    "pronostico": (_l("Tipo"), _l("Trámite o categoría"), _l("Semana desde"), _l("Casos esperados"),
                   _l("Error del pronóstico (casos/semana)"), _l("Error del pronóstico (%)"),
                   _l("Error de repetir la última semana (casos/semana)"),
                   _l("Error de repetir la última semana (%)"), _l("Semanas evaluadas")),
}
TITLES = {"indicadores": _l("Indicadores públicos de los últimos meses"),
          "cuellos": _l("Cuellos de botella"), "vencimientos": _l("Vencimientos próximos"),
          "pronostico": _l("Pronóstico de casos entrantes")}


def business_days() -> int:
    """The ``dias`` parameter: how many business days ahead to look (1 to :data:`MAX_DAYS`)."""
    text = request.args.get("dias", str(DEFAULT_DAYS)).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise EngineError(_("Los días hábiles deben ser un número entre 1 y %(max)d.", max=MAX_DAYS))
    return int(text)


def tables(groups: list[str] | None, days: int) -> dict[str, list[tuple[Any, ...]]]:
    """The four tables for a supervisor's groups (``None``: every group)."""
    now, zone = web.now(), web.runtime().settings["TIMEZONE"]
    names = dict(procedures())
    return {
        "indicadores": _indicator_rows(names, now.astimezone(ZoneInfo(zone)).date()),
        "cuellos": [(names.get(b.procedure, b.procedure), group_title(b.group), b.step, b.completed,
                     b.median_hours, b.p90_hours, b.waiting) for b in decisions.bottlenecks(groups, now)],
        "vencimientos": [(d.due, _("Tarea") if d.kind == "task" else _("Plazo del trámite"),
                          names.get(d.procedure, d.procedure), d.number,
                          group_title(d.group) if d.group else "", d.what)
                         for d in decisions.due_soon(groups, now, zone, days)],
        "pronostico": _forecast_rows(names),
    }


def _indicator_rows(names: dict[str, str], today: date) -> list[tuple[Any, ...]]:
    back = today.year * 12 + today.month - 1 - (decisions.INDICATOR_MONTHS - 1)
    since = date(back // 12, back % 12 + 1, 1)  # the first day of the oldest month shown
    return [(names.get(m.process_key, m.process_key), m.month.strftime("%m/%Y"), m.started, m.finished,
             m.median_days, m.p90_days, _percent(m.on_time_share), _percent(m.refused_share),
             m.appointment_wait_days)
            for m in sorted(decisions.indicators(web.runtime().figures.min_count, since),
                            key=lambda m: (m.process_key, m.month))]


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _forecast_rows(names: dict[str, str]) -> list[tuple[Any, ...]]:
    rows = []
    for f in decisions.forecasts():
        if f.subject_kind == "procedure":
            kind, title = _("Trámite"), names.get(f.subject_key, f.subject_key)
        else:
            category = CATEGORIES.get(f.subject_key)
            kind, title = _("Reclamos por categoría"), category.name if category else f.subject_key
        for monday, expected in f.weeks:
            rows.append((kind, title, date.fromisoformat(monday), expected, f.mae, f.mape, f.naive_mae, f.naive_mape,
                         f.backtest_weeks))
    return rows

