"""The holiday calendar (``/administracion/feriados``): administrators list, add and delete holidays.

Deadlines count business days, so a holiday added here moves every due date computed after
it (the engine's holiday cache is dropped at once in this process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.dates import date_text
from engine.deadlines import holidays
from engine.deadlines.models import HOLIDAY_KINDS
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.uow import unit_of_work
from worklists import web

bp = Blueprint("holidays", __name__, url_prefix="/administracion/feriados", template_folder="templates")

FIRST_YEAR, LAST_YEAR = 2000, 2100
# Form field → engine field, for messages next to the right input.
FIELDS = {"day": "fecha", "name": "nombre", "kind": "tipo"}


@dataclass
class AddForm:
    """What was typed in the add form, and the problems to show next to each field."""

    fecha: str = ""
    nombre: str = ""
    tipo: str = "municipal"
    problems: dict[str, str] = field(default_factory=dict)


def _today() -> date:
    rt = web.runtime()
    return holidays.city_calendar(rt.settings["TIMEZONE"]).local_date(rt.clock())


def _year(text: str | None) -> int:
    """The year asked for, or this year for a missing or impossible one."""
    try:
        year = int(text or "")
    except ValueError:
        return _today().year
    return year if FIRST_YEAR <= year <= LAST_YEAR else _today().year


def _page(year: int, form: AddForm, status: int = 200) -> ResponseReturnValue:
    this_year = _today().year
    years = sorted({*holidays.years(), this_year, this_year + 1, year})
    return render_template("worklists/holidays.html", year=year, years=years, rows=holidays.list_year(year),
                           form=form, kinds=HOLIDAY_KINDS), status


@bp.get("/")
@roles_required("admin")
def index() -> ResponseReturnValue:
    """The holidays of one year (``?anio=``) and the form to add one."""
    return _page(_year(request.args.get("anio")), AddForm())


@bp.post("/")
@roles_required("admin")
def add() -> ResponseReturnValue:
    """Add a holiday; problems come back next to their field with what was typed."""
    form = AddForm(request.form.get("fecha", "").strip(), request.form.get("nombre", "").strip(),
                   request.form.get("tipo", ""))
    try:
        with unit_of_work():
            day = holidays.parse_day(form.fecha)
            holiday = holidays.add(day, form.nombre, form.tipo)
            message = _("Se agregó el feriado del %(day)s: %(name)s.", day=date_text(day),
                        name=holiday.name)
    except DataInvalid as e:
        form.problems = {FIELDS.get(p.get("field", ""), "fecha"): p["message"] for p in e.errors}
        return _page(_year(request.args.get("anio")), form, 422)
    except Conflict as e:
        form.problems = {"fecha": e.message}
        return _page(day.year, form, 409)
    flash(message, "ok")
    return redirect(url_for("holidays.index", anio=day.year), 303)


@bp.post("/eliminar")
@roles_required("admin")
def delete() -> ResponseReturnValue:
    """Delete a holiday (the date travels in the form)."""
    year = _year(request.args.get("anio"))
    try:
        with unit_of_work():
            day = holidays.parse_day(request.form.get("fecha", ""))
            holiday = holidays.delete(day)
            message = _("Se quitó el feriado del %(day)s: %(name)s.", day=date_text(day),
                        name=holiday.name)
    except (DataInvalid, NotFound) as e:
        flash(_("No se pudo quitar el feriado: %(reason)s", reason=e.message), "error")
        return redirect(url_for("holidays.index", anio=year), 303)
    flash(message, "ok")
    year = day.year
    return redirect(url_for("holidays.index", anio=year), 303)
