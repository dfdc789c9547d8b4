"""The desk (``/bandeja/turnos``): staff call the next person, call again, and mark attended or absent.

A person at a desk chooses the office, the services they attend (their groups' ones) and the
name of their desk («Puesto 2»), which the display shows beside the number. Those choices
travel in the page's address, so a desk keeps them across calls and reloads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.appointments import outcome, queue
from engine.appointments.models import Office, Service
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.workflow.step import EngineContext
from worklists import web

bp = Blueprint("desk", __name__, url_prefix="/bandeja/turnos", template_folder="../templates")
web.install_errors(bp)
STAFF = ("staff", "supervisor")


def _attended() -> list[tuple[Office, list[Service]]]:
    person = web.user()
    return queue.attended_here(None if web.is_supervisor(person) else person.group_names)


def _office(office_id: str) -> tuple[Office, list[Service]]:
    found = next(((o, s) for o, s in _attended() if o.id == office_id), None)
    if found is None:
        raise NotFound(_("La oficina no existe o no atiende servicios de sus grupos."))
    return found


def _choices(services: list[Service], values: Any) -> tuple[str, list[str]]:
    """The desk's name and chosen services (only the ones it may attend; all of them when none is chosen)."""
    desk = " ".join((values.get("puesto") or "").split())[:40]
    allowed = {s.id for s in services}
    chosen = [s for s in values.getlist("servicio") if s in allowed] or sorted(allowed)
    return desk, chosen


def _back(office_id: str, desk: str, chosen: list[str]) -> ResponseReturnValue:
    query = urlencode([("puesto", desk), *(("servicio", s) for s in chosen)])
    return redirect(f"{url_for('desk.show', office_id=office_id)}?{query}", 303)


@bp.get("/")
@roles_required(*STAFF)
def index() -> ResponseReturnValue:
    """The offices where the person attends, each with its services."""
    return render_template("worklists/office/desk_index.html", offices=_attended())


@bp.get("/<office_id>")
@roles_required(*STAFF)
def show(office_id: str) -> ResponseReturnValue:
    """The desk: the person called, the people waiting in call order, and today's late appointments."""
    office, services = _office(office_id)
    desk, chosen = _choices(services, request.args)
    rt, now = web.runtime(), web.now()
    timezone = rt.settings["TIMEZONE"]
    context: dict[str, Any] = {"office": office, "services": services, "desk": desk, "chosen": chosen,
                               "service_names": queue.service_names(office.id)}
    if desk:
        context.update(current=queue.current_call(office.id, desk),
                       waiting=queue.waiting(office.id, chosen, now, timezone),
                       expected=queue.expected_today(office.id, chosen, now, timezone),
                       grace_ends=outcome.grace_ends, now=now)
    return render_template("worklists/office/desk.html", **context)


#: ``(ctx, office, desk, chosen services) -> what the desk reads after it``.
Action = Callable[[EngineContext, Office, str, list[str]], str]


def _act(office_id: str, action: Action) -> ResponseReturnValue:
    """Do one desk action in one transaction; a refusal (a desk still busy…) is shown on the desk page."""
    office, services = _office(office_id)
    desk, chosen = _choices(services, request.form)
    try:
        with web.transaction() as ctx:
            message = action(ctx, office, desk, chosen)
    except (Conflict, DataInvalid) as e:
        flash(e.message, "error")
    else:
        flash(message, "ok")
    return _back(office.id, desk, chosen)


@bp.post("/<office_id>/llamar")
@roles_required(*STAFF)
def call_next(office_id: str) -> ResponseReturnValue:
    """Call the next person in line to this desk."""
    def call(_ctx: EngineContext, office: Office, desk: str, chosen: list[str]) -> str:
        called = queue.call_next(office.id, chosen, desk, by=web.user().username, now=web.now(),
                                 timezone=web.runtime().settings["TIMEZONE"])
        return (_("Llamó al número %(ticket)s.", ticket=called.ticket) if called is not None
                else _("No hay nadie esperando para los servicios de este puesto."))

    return _act(office_id, call)


@bp.post("/<office_id>/turnos/<appointment_id>/volver-a-llamar")
@roles_required(*STAFF)
def recall(office_id: str, appointment_id: str) -> ResponseReturnValue:
    """Call the same number again (the display shows it once more)."""
    def call_again(_ctx: EngineContext, office: Office, _desk: str, _chosen: list[str]) -> str:
        found = queue.recall(appointment_id, office.id, by=web.user().username, now=web.now())
        return _("Volvió a llamar al número %(ticket)s.", ticket=found.ticket)

    return _act(office_id, call_again)


@bp.post("/<office_id>/turnos/<appointment_id>/atendido")
@roles_required(*STAFF)
def attended(office_id: str, appointment_id: str) -> ResponseReturnValue:
    """The person called was attended (a case waiting for the visit goes on)."""
    def record(ctx: EngineContext, office: Office, _desk: str, _chosen: list[str]) -> str:
        found = outcome.attended(ctx, appointment_id, office.id, by=web.user().username, now=web.now())
        return _("Registró la atención del número %(ticket)s.", ticket=found.ticket)

    return _act(office_id, record)


@bp.post("/<office_id>/turnos/<appointment_id>/ausente")
@roles_required(*STAFF)
def absent(office_id: str, appointment_id: str) -> ResponseReturnValue:
    """The person called did not come, or never arrived after the grace (a waiting case hears it)."""
    def record(ctx: EngineContext, office: Office, _desk: str, _chosen: list[str]) -> str:
        found = outcome.absent(ctx, appointment_id, office.id, by=web.user().username, now=web.now())
        return _("Marcó ausente el turno %(label)s.", label=found.ticket or found.code)

    return _act(office_id, record)
