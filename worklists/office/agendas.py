"""The turnero's agendas (``/bandeja/agendas``): staff with the ``scheduler`` role keep offices, services,
agendas (desks and opening hours) and closures.

A change that leaves booked appointments without a place (a closure, other hours, fewer desks,
another slot length, stopping an agenda, a service or an office) first shows the people affected;
only when confirmed is it saved, their appointments cancelled and each one notified by e-mail with
a link to book again (``engine.appointments.closures``). The e-mails leave after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.appointments import agendas, closures
from engine.appointments.closures import AffectedChanged, Change
from engine.appointments.models import Agenda, Service
from engine.deadlines.holidays import city_calendar
from engine.errors import Conflict, DataInvalid
from engine.identity.access import roles_required
from engine.identity.accounts import group_title
from worklists import web

bp = Blueprint("agendas", __name__, url_prefix="/bandeja/agendas", template_folder="../templates")
web.install_errors(bp)
KEEPERS = ("scheduler",)
CONFIRM = "confirmar"


def _today() -> date:
    return city_calendar(web.zone().key).local_date(web.now())


def _problems(error: DataInvalid) -> dict[str, str]:
    return {p.get("field", ""): p["message"] for p in error.errors}


def _flag(name: str) -> bool:
    """A checkbox: its hidden «0» always comes, its «1» only when checked."""
    return "1" in request.form.getlist(name)


def _known_groups() -> set[str] | None:
    known = web.runtime().known_groups
    return known() if known is not None else None


def _week_texts() -> dict[int, str]:
    return {day: request.form.get(f"dia-{day}", "") for day in range(7)}


def _created(save: Callable[[], Any], page: Callable[[dict[str, str], int], ResponseReturnValue], taken_field: str,
             done: str) -> ResponseReturnValue:
    """Save something new in one transaction: back to the form with its problems (422) or the id
    taken (409), else to the overview with ``done``."""
    try:
        with web.transaction():
            save()
    except DataInvalid as e:
        return page(_problems(e), 422)
    except Conflict as e:
        return page({taken_field: e.message}, 409)
    flash(done, "ok")
    return redirect(url_for("agendas.index"), 303)


# --- the overview ------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*KEEPERS)
def index() -> ResponseReturnValue:
    """Every office with its agendas and hours, the services, and the closures still ahead."""
    rows = [(a, o, s, agendas.week_summary(agendas.week_of(a.id))) for a, o, s in agendas.agendas()]
    on_holidays = closures.booked_on_holidays(web.now(), city_calendar(web.zone().key))
    return render_template("worklists/agendas.html", offices=agendas.offices(), services=agendas.services(),
                           rows=rows, closures=closures.closures_ahead(_today()), days_text=closures.days_text,
                           group_title=group_title, on_holidays=on_holidays)


# --- offices -----------------------------------------------------------------------------------

def _office_form(office: Any = None) -> dict[str, Any]:
    if request.method == "POST":
        return {k: request.form.get(k, "").strip() for k in ("id", "name", "address", "latitude", "longitude")} | {
            "active": _flag("active")}
    if office is None:
        return {"id": "", "name": "", "address": "", "latitude": "", "longitude": "", "active": True}
    return {"id": office.id, "name": office.name, "address": office.address, "active": office.active,
            "latitude": "" if office.latitude is None else str(office.latitude),
            "longitude": "" if office.longitude is None else str(office.longitude)}


def _office_page(form: dict[str, Any], creating: bool, problems: dict[str, str] | None = None,
                 status: int = 200) -> ResponseReturnValue:
    return render_template("worklists/agendas_office.html", form=form, creating=creating,
                           problems=problems or {}), status


@bp.get("/oficinas/nueva")
@roles_required(*KEEPERS)
def new_office() -> ResponseReturnValue:
    """The form of a new office."""
    return _office_page(_office_form(), True)


@bp.post("/oficinas/nueva")
@roles_required(*KEEPERS)
def create_office() -> ResponseReturnValue:
    """Create an office; problems come back next to their field."""
    form = _office_form()
    return _created(lambda: agendas.save_office(agendas.OfficeInput(**form), by=web.user().username, creating=True),
                    lambda problems, status: _office_page(form, True, problems, status), "id",
                    _("Se creó la oficina «%(name)s».", name=form["name"]))


@bp.get("/oficinas/<office_id>")
@roles_required(*KEEPERS)
def edit_office(office_id: str) -> ResponseReturnValue:
    """An office's form, filled in."""
    return _office_page(_office_form(agendas.office(office_id)), False)


@bp.post("/oficinas/<office_id>")
@roles_required(*KEEPERS)
def update_office(office_id: str) -> ResponseReturnValue:
    """Change an office; closing it for good lists the appointments it cancels first."""
    office = agendas.office(office_id)
    form = {**_office_form(), "id": office.id}
    try:
        agendas.check_office(agendas.OfficeInput(**form))
    except DataInvalid as e:
        return _office_page(form, False, _problems(e), 422)
    ids = tuple(a.id for a in agendas.agendas_of_office(office.id))
    change = Change("timetable", ids, request.form.get("motivo", ""), inactive=not form["active"],
                    save=lambda: agendas.save_office(agendas.OfficeInput(**form), by=web.user().username,
                                                     creating=False), details={"office": office.id})
    return _confirmed(change, _("Se guardó la oficina «%(name)s».", name=form["name"]),
                      url_for("agendas.update_office", office_id=office.id))


# --- services ----------------------------------------------------------------------------------

SERVICE_TEXTS = ("id", "name", "group", "description", "slot_minutes", "horizon_days", "per_person_limit",
                 "grace_minutes")
SERVICE_FLAGS = ("allows_walk_in", "allows_guest", "process_only", "active")


def _service_form(service: Service | None = None) -> dict[str, Any]:
    if request.method == "POST":
        return {k: request.form.get(k, "").strip() for k in SERVICE_TEXTS} | {k: _flag(k) for k in SERVICE_FLAGS}
    if service is None:
        return vars(agendas.ServiceInput(id="", name="", group=""))
    return {k: str(getattr(service, k)) for k in SERVICE_TEXTS} | {k: getattr(service, k) for k in SERVICE_FLAGS}


def _service_page(form: dict[str, Any], creating: bool, problems: dict[str, str] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    known = _known_groups()
    groups = sorted((known or set()) | ({form["group"]} if form.get("group") else set()))
    return render_template("worklists/agendas_service.html", form=form, creating=creating, problems=problems or {},
                           groups=[(g, group_title(g)) for g in groups]), status


@bp.get("/servicios/nuevo")
@roles_required(*KEEPERS)
def new_service() -> ResponseReturnValue:
    """The form of a new service."""
    return _service_page(_service_form(), True)


@bp.post("/servicios/nuevo")
@roles_required(*KEEPERS)
def create_service() -> ResponseReturnValue:
    """Create a service."""
    form = _service_form()
    return _created(lambda: agendas.save_service(agendas.ServiceInput(**form), by=web.user().username, creating=True,
                                                 known_groups=_known_groups()),
                    lambda problems, status: _service_page(form, True, problems, status), "id",
                    _("Se creó el servicio «%(name)s».", name=form["name"]))


@bp.get("/servicios/<service_id>")
@roles_required(*KEEPERS)
def edit_service(service_id: str) -> ResponseReturnValue:
    """A service's form, filled in."""
    return _service_page(_service_form(agendas.service(service_id)), False)


@bp.post("/servicios/<service_id>")
@roles_required(*KEEPERS)
def update_service(service_id: str) -> ResponseReturnValue:
    """Change a service; another slot length or stopping it lists the appointments it cancels first."""
    service = agendas.service(service_id)
    form = {**_service_form(), "id": service.id}
    try:  # the whole form is checked before anyone is listed
        numbers = agendas.check_service(agendas.ServiceInput(**form), _known_groups())
    except DataInvalid as e:
        return _service_page(form, False, _problems(e), 422)

    def save() -> Service:
        return agendas.save_service(agendas.ServiceInput(**form), by=web.user().username, creating=False,
                                    known_groups=_known_groups())

    change = closures.service_change(service, slot_minutes=numbers["slot_minutes"], active=form["active"],
                                     reason=request.form.get("motivo", ""), save=save)
    return _confirmed(change, _("Se guardó el servicio «%(name)s».", name=form["name"]),
                      url_for("agendas.update_service", service_id=service.id))


# --- agendas -----------------------------------------------------------------------------------

def _agenda_page(form: dict[str, Any], agenda: Agenda | None, problems: dict[str, str] | None = None,
                 status: int = 200) -> ResponseReturnValue:
    return render_template("worklists/agendas_agenda.html", form=form, agenda=agenda, problems=problems or {},
                           offices=agendas.offices(), services=agendas.services(), weekdays=agendas.WEEKDAYS,
                           office=agendas.office(agenda.office_id) if agenda else None,
                           service=agendas.service(agenda.service_id) if agenda else None), status


def _agenda_form(agenda: Agenda | None = None) -> dict[str, Any]:
    if request.method == "POST":
        return {"office": request.form.get("office", ""), "service": request.form.get("service", ""),
                "desks": request.form.get("desks", "").strip(), "active": _flag("active"),
                **{f"dia-{d}": t for d, t in _week_texts().items()}}
    if agenda is None:
        return {"office": "", "service": "", "desks": "1", "active": True,
                **{f"dia-{d}": "08:00-13:00" if d < 5 else "" for d in range(7)}}
    week = agendas.week_of(agenda.id)
    return {"office": agenda.office_id, "service": agenda.service_id, "desks": str(agenda.desks),
            "active": agenda.active, **{f"dia-{d}": agendas.day_text(week.get(d, [])) for d in range(7)}}


@bp.get("/nueva")
@roles_required(*KEEPERS)
def new_agenda() -> ResponseReturnValue:
    """The form of a new agenda: a service at an office, its desks and hours."""
    return _agenda_page(_agenda_form(), None)


@bp.post("/nueva")
@roles_required(*KEEPERS)
def create_agenda() -> ResponseReturnValue:
    """Create an agenda."""
    form = _agenda_form()
    return _created(lambda: agendas.create_agenda(form["office"], form["service"], form["desks"],
                                                  agendas.parse_week(_week_texts()), by=web.user().username),
                    lambda problems, status: _agenda_page(form, None, problems, status), "service",
                    _("Se creó la agenda."))


@bp.get("/<agenda_id>")
@roles_required(*KEEPERS)
def edit_agenda(agenda_id: str) -> ResponseReturnValue:
    """An agenda's desks, hours and state."""
    agenda = agendas.agenda(agenda_id)
    return _agenda_page(_agenda_form(agenda), agenda)


@bp.post("/<agenda_id>")
@roles_required(*KEEPERS)
def update_agenda(agenda_id: str) -> ResponseReturnValue:
    """Change an agenda; what leaves appointments without a place lists them first."""
    agenda = agendas.agenda(agenda_id)
    form = _agenda_form()
    problems: list[dict[str, str]] = []
    desks = agendas.whole_number("desks", form["desks"], problems)
    try:
        week = agendas.parse_week(_week_texts())
    except DataInvalid as e:
        problems += e.errors
    if problems:
        return _agenda_page(form, agenda, _problems(DataInvalid("", errors=problems)), 422)
    change = closures.timetable_change(agenda, desks=desks, week=week, active=form["active"],
                                       reason=request.form.get("motivo", ""))
    return _confirmed(change, _("Se guardó la agenda."), url_for("agendas.update_agenda", agenda_id=agenda.id))


# --- closures ----------------------------------------------------------------------------------

def _closure_page(office_id: str, form: dict[str, str], problems: dict[str, str] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    office = agendas.office(office_id)
    return render_template("worklists/agendas_closure.html", office=office, form=form, problems=problems or {},
                           office_agendas=[(a, agendas.service(a.service_id)) for a in
                                           agendas.agendas_of_office(office.id)]), status


@bp.get("/oficinas/<office_id>/cierres")
@roles_required(*KEEPERS)
def new_closure(office_id: str) -> ResponseReturnValue:
    """The form of a closure: days the office (or one of its agendas) does not attend."""
    day = request.args.get("dia", "")[:10]  # from the warning of appointments booked on a holiday
    return _closure_page(office_id, {"agenda": "", "desde": day, "hasta": "", "motivo": ""})


@bp.post("/oficinas/<office_id>/cierres")
@roles_required(*KEEPERS)
def add_closure(office_id: str) -> ResponseReturnValue:
    """Close days: the appointments booked on them are listed, then cancelled and notified once confirmed."""
    form = {k: request.form.get(k, "").strip() for k in ("agenda", "desde", "hasta", "motivo")}
    problems: list[dict[str, str]] = []
    first, last = _day("desde", form["desde"], problems), _day("hasta", form["hasta"] or form["desde"], problems)
    try:
        if first is None or last is None:
            raise DataInvalid("", errors=problems + closures.reason_problems(form["motivo"]))
        change = closures.closure_change(office_id, form["agenda"] or None, first, last, form["motivo"],
                                         by=web.user().username, now=web.now())
    except DataInvalid as e:
        return _closure_page(office_id, form, _problems(e), 422)
    message = _("Se cargó el cierre del %(days)s.", days=closures.days_text(first, last))
    return _confirmed(change, message, url_for("agendas.add_closure", office_id=office_id))


@bp.post("/cierres/<closure_id>/quitar")
@roles_required(*KEEPERS)
def remove_closure(closure_id: str) -> ResponseReturnValue:
    """Open again the days of a mistaken closure; the appointments it cancelled stay cancelled."""
    with web.transaction():
        closure = closures.remove_closure(closure_id, by=web.user().username)
        days = closures.days_text(closure.first_day, closure.last_day)
    flash(_("Se quitó el cierre del %(days)s: esos días vuelven a dar turnos. Los turnos que canceló siguen "
            "cancelados.", days=days), "ok")
    return redirect(url_for("agendas.index"), 303)


def _day(field: str, text: str, problems: list[dict[str, str]]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        if not any(p["field"] == "desde" for p in problems):  # an empty «hasta» repeats «desde»
            problems.append({"field": field, "message": _("Escriba una fecha, por ejemplo 09/12/2026.")})
        return None


# --- listing, then confirming ------------------------------------------------------------------

def _confirmed(change: Change, done: str, action: str) -> ResponseReturnValue:
    """Apply ``change`` when nobody loses an appointment or staff confirmed the list; else show the list."""
    rt, user = web.runtime(), web.user()
    timezone = rt.settings["TIMEZONE"]
    confirmed = request.form.getlist("turno")
    try:
        with web.transaction() as ctx:
            found = closures.affected(change, now=web.now(), timezone=timezone)
            if found and request.form.get(CONFIRM) != "1":
                return _confirm_page(change, found, action)
            applied = closures.apply(change, confirmed if found else [], by=user.username, ctx=ctx)
            for message_id in applied.emails:
                ctx.after_commit.append(lambda m=message_id: rt.hand_over(m))
    except AffectedChanged as e:
        return _confirm_page(change, e.found, action, changed=True)
    except DataInvalid as e:
        return _confirm_page(change, closures.affected(change, now=web.now(), timezone=timezone), action,
                             problems=_problems(e))
    if applied.cancelled:
        done += " " + ngettext("Se canceló %(num)d turno y se avisó a la persona.",
                               "Se cancelaron %(num)d turnos y se avisó a cada persona.", len(applied.cancelled))
    flash(done, "ok")
    return redirect(url_for("agendas.index"), 303)


def _confirm_page(change: Change, found: list[closures.Affected], action: str, *, changed: bool = False,
                  problems: dict[str, str] | None = None) -> ResponseReturnValue:
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", CONFIRM, "turno", "motivo")]
    status = 409 if changed else (422 if problems else 200)
    return render_template("worklists/agendas_confirm.html", change=change, found=found, action=action,
                           fields=fields, changed=changed, problems=problems or {},
                           reason=request.form.get("motivo", ""), local_time=web.local), status
