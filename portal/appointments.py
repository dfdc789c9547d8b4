"""Turnos: citizens book an appointment (service → office → day → time), see its confirmation
with a QR code and an .ics file, and cancel or move it from «Mis turnos» or from the link in the
e-mail, which works for guests without signing in (``engine.appointments.links``).

A service that allows it takes guest bookings: the person gives an e-mail address and their
document number, and the slot is booked when they follow the link sent to that address.
"""

from __future__ import annotations

import calendar as months
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine.appointments import booking, case_news, confirmation, guests, links, mails, slots
from engine.appointments.models import ACTIVE_STATES, Agenda, Appointment, Office, Service
from engine.dates import moment_text
from engine.db import db
from engine.deadlines.holidays import Calendar, city_calendar
from engine.errors import DataInvalid, NotFound
from engine.identity import throttle
from engine.identity.access import public, roles_required
from engine.identity.accounts import User
from engine.uow import unit_of_work
from engine.web.request import runtime, transaction
from portal import security
from portal.representation import acting_party

bp = Blueprint("appointments", __name__, url_prefix="/turnos")
security.install_errors(bp)

#: Guest requests one address or one connection may make per window (each sends an e-mail).
GUEST_RATE = (5, timedelta(hours=1))
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def _calendar() -> Calendar:
    return city_calendar(runtime().settings["TIMEZONE"])


def _now() -> datetime:
    return runtime().clock()


def _public_url() -> str:
    return str(runtime().settings["PUBLIC_URL"] or request.host_url)


def _service(service_id: str) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or not service.active or service.process_only:
        abort(404)
    return service


def _agenda(service: Service, agenda_id: str) -> tuple[Agenda, Office]:
    agenda = db.session.get(Agenda, agenda_id)
    office = db.session.get(Office, agenda.office_id) if agenda is not None else None
    if agenda is None or office is None or agenda.service_id != service.id or not (agenda.active and office.active):
        abort(404)
    return agenda, office


def _holder() -> tuple[User | None, User | None]:
    """(who books, for whom): a representative acting for a party books for the party."""
    user = security.current_user()
    if user is None or "citizen" not in user.role_set:
        return None, None
    party = acting_party(user)
    return user, party or user


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """The services a person may book from the portal."""
    services = db.session.scalars(select(Service).where(Service.active.is_(True), Service.process_only.is_(False))
                                  .order_by(Service.name)).all()
    return render_template("portal/appointments/index.html", services=services)


@bp.get("/servicio/<service_id>")
@public
def offices(service_id: str) -> ResponseReturnValue:
    """The offices that attend a service, each with its earliest free time."""
    service = _service(service_id)
    rows = db.session.execute(select(Agenda, Office).join(Office, Office.id == Agenda.office_id).where(
        Agenda.service_id == service.id, Agenda.active.is_(True), Office.active.is_(True))
        .order_by(Office.name)).all()
    now, cal = _now(), _calendar()
    choices = [(agenda, office, next(iter(slots.offered(service.id, now=now, calendar=cal, office_id=office.id,
                                                        limit=1)), None)) for agenda, office in rows]
    return render_template("portal/appointments/offices.html", service=service, choices=choices)


@bp.get("/servicio/<service_id>/agenda/<agenda_id>")
@public
def month(service_id: str, agenda_id: str) -> ResponseReturnValue:
    """A month's calendar of the agenda: the days with free times are links (``?mes=AAAA-MM``)."""
    service = _service(service_id)
    agenda, office = _agenda(service, agenda_id)
    return render_template("portal/appointments/month.html", service=service, office=office, agenda=agenda,
                           **_month_view(agenda, request.args.get("mes", ""), "appointments.day",
                                         {"service_id": service.id, "agenda_id": agenda.id}))


@bp.get("/servicio/<service_id>/agenda/<agenda_id>/<day>")
@public
def day(service_id: str, agenda_id: str, day: str) -> ResponseReturnValue:
    """The free times of one day, and the form that books one."""
    service = _service(service_id)
    agenda, office = _agenda(service, agenda_id)
    return _day_page(service, agenda, office, _parse_day(day), {}, None)


@bp.post("/servicio/<service_id>/agenda/<agenda_id>/<day>")
@public
def book(service_id: str, agenda_id: str, day: str) -> ResponseReturnValue:
    """Book the chosen time (signed in), or send a guest the link that books it."""
    service = _service(service_id)
    agenda, office = _agenda(service, agenda_id)
    chosen_day = _parse_day(day)
    starts_at = _chosen_time(request.form.get("horario", ""))
    if starts_at is None:
        return _day_page(service, agenda, office, chosen_day, {"horario": [_("Elija un horario.")]}, None, 422)
    user, holder = _holder()
    if user is None or holder is None:
        return _ask_as_guest(service, agenda, office, chosen_day, starts_at)
    try:
        with transaction() as ctx:
            taken = booking.book(agenda.id, starts_at, holder=holder.username, booked_by=user.username, now=_now(),
                                 email=holder.email, document_number=holder.dni, calendar=_calendar())
            message = mails.queue(taken, mails.CONFIRMED, zone=runtime().settings["TIMEZONE"],
                                  public_url=_public_url())
            path = links.manage_path(taken)
            _hand_over_after_commit(ctx.after_commit, message)
    except (booking.SlotTaken, booking.LimitReached, booking.NotBookable) as refused:
        return _day_page(service, agenda, office, chosen_day, {}, refused.message, refused.status)
    flash(_("Su turno quedó reservado. Le enviamos la confirmación por correo."))
    return redirect(path, 303)


def _ask_as_guest(service: Service, agenda: Agenda, office: Office, chosen_day: date,
                  starts_at: datetime) -> ResponseReturnValue:
    if not service.allows_guest:
        abort(403 if security.current_user() is not None else 401)
    email, document = request.form.get("email", ""), request.form.get("documento", "")
    if not _guest_may_ask(email):
        return _day_page(service, agenda, office, chosen_day, {}, _(
            "Se pidieron demasiados turnos desde esta conexión o para este correo. Inténtelo más tarde."), 429)
    try:
        with transaction() as ctx:
            asked, token = guests.ask(agenda.id, starts_at, email=email, document_number=document, now=_now(),
                                      calendar=_calendar(), secret_key=current_app.config["SECRET_KEY"])
            zone = runtime().settings["TIMEZONE"]
            link = _public_url().rstrip("/") + url_for("appointments.guest_link", token=token)
            message = mails.queue_guest_link(
                asked.email, service=service.name, office=office.name,
                starts=moment_text(asked.starts_at, zone), expires=moment_text(asked.expires_at, zone), link=link)
            _hand_over_after_commit(ctx.after_commit, message)
    except DataInvalid as invalid:
        errors: dict[str, list[str]] = {}
        for problem in invalid.errors:
            errors.setdefault(str(problem.get("field")), []).append(str(problem.get("message")))
        return _day_page(service, agenda, office, chosen_day, errors, None, 422,
                         values={"email": email, "documento": document})
    except (booking.SlotTaken, booking.LimitReached, booking.NotBookable) as refused:
        return _day_page(service, agenda, office, chosen_day, {}, refused.message, refused.status)
    return render_template("portal/appointments/guest_sent.html", email=asked.email, service=service)


def _guest_may_ask(email: str) -> bool:
    limit, window = GUEST_RATE
    keys = [f"turnos-ip:{security.client_ip()}"]
    if email.strip():
        keys.append(f"turnos-correo:{email.strip().casefold()}")
    with unit_of_work():
        counted = [throttle.take(key, security.settings().clock(), limit, window) for key in keys]
    return all(counted)


#: Why a guest's link was refused, as the guest reads it.
GUEST_LINK_REFUSED = {
    "vencido": _l("El enlace venció: vuelva a pedir el turno."),
    "usado": _l("Este enlace ya se usó: el turno ya fue reservado. Revise el correo de confirmación."),
    "invalido": _l("El enlace no es válido."),
}


@bp.get("/invitado/<token>")
@public
def guest_link(token: str) -> ResponseReturnValue:
    """A guest's link from the e-mail: what was asked for and «Confirmar el turno». Opening it books
    nothing: mail scanners and link previews open links too, and would take the slot unasked."""
    try:
        asked = guests.pending(token, now=_now(), secret_key=current_app.config["SECRET_KEY"])
    except guests.LinkRefused as refused:
        return render_template("portal/error.html", status=400, message=GUEST_LINK_REFUSED[refused.reason]), 400
    agenda = db.session.get(Agenda, asked.agenda_id)
    office = db.session.get(Office, agenda.office_id) if agenda is not None else None
    service = db.session.get(Service, agenda.service_id) if agenda is not None else None
    return render_template("portal/appointments/guest_confirm.html", token=token, office=office, service=service,
                           starts=moment_text(asked.starts_at, runtime().settings["TIMEZONE"]))


@bp.post("/invitado/<token>")
@public
def guest_confirm(token: str) -> ResponseReturnValue:
    """The guest confirms: book the slot asked for, then show the appointment."""
    try:
        with transaction() as ctx:
            taken = guests.confirm(token, now=_now(), calendar=_calendar(), secret_key=current_app.config["SECRET_KEY"])
            message = mails.queue(taken, mails.CONFIRMED, zone=runtime().settings["TIMEZONE"],
                                  public_url=_public_url())
            path = links.manage_path(taken)
            _hand_over_after_commit(ctx.after_commit, message)
    except guests.LinkRefused as refused:
        return render_template("portal/error.html", status=400, message=GUEST_LINK_REFUSED[refused.reason]), 400
    flash(_("Confirmó su correo y su turno quedó reservado."))
    return redirect(path, 303)


@bp.get("/mis-turnos")
@roles_required("citizen")
def mine() -> ResponseReturnValue:
    """«Mis turnos»: the person's appointments (and those of the party they act for), upcoming first."""
    user = security.current_user()
    if user is None:
        abort(401)
    holder = acting_party(user) or user
    rows = db.session.execute(select(Appointment, Agenda, Office, Service)
                              .join(Agenda, Agenda.id == Appointment.agenda_id)
                              .join(Office, Office.id == Agenda.office_id)
                              .join(Service, Service.id == Agenda.service_id)
                              .where(Appointment.holder == holder.username)
                              .order_by(Appointment.starts_at.desc()).limit(100)).all()
    upcoming = [r for r in rows if r[0].status in ACTIVE_STATES][::-1]
    past = [r for r in rows if r[0].status not in ACTIVE_STATES]
    return render_template("portal/appointments/mine.html", upcoming=upcoming, past=past,
                           manage=links.manage_path)


@bp.get("/gestionar/<token>")
@public
def manage(token: str) -> ResponseReturnValue:
    """One appointment: its confirmation (QR, .ics) and what may be done with it."""
    appointment = _by_token(token)
    zone = runtime().settings["TIMEZONE"]
    details = confirmation.confirmation(appointment, zone=zone, public_url=_public_url())
    agenda = db.session.get(Agenda, appointment.agenda_id)
    service = db.session.get(Service, agenda.service_id) if agenda else None
    return render_template("portal/appointments/manage.html", appointment=appointment, details=details,
                           token=token, qr=confirmation.qr_code(appointment.code), agenda=agenda,
                           service=service, may_rebook=service is not None and not service.process_only)


@bp.get("/gestionar/<token>/turno.ics")
@public
def calendar_file(token: str) -> ResponseReturnValue:
    """The appointment as an iCalendar file, for the person's calendar."""
    appointment = _by_token(token)
    details = confirmation.confirmation(appointment, zone=runtime().settings["TIMEZONE"], public_url=_public_url())
    body = confirmation.ics(appointment, details, now=_now())
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="turno-{appointment.code}.ics"'})


@bp.post("/gestionar/<token>/cancelar")
@public
def cancel(token: str) -> ResponseReturnValue:
    """Cancel the appointment (its place is free again at once); the case it belongs to is told."""
    appointment = _by_token(token)
    actor = _actor(appointment)
    reason = (request.form.get("motivo") or "").strip()[:300] or _("Cancelado por la persona")
    try:
        with transaction() as ctx:
            booking.cancel(appointment, by=actor, reason=reason, now=_now())
            message = mails.queue(appointment, mails.CANCELLED, zone=runtime().settings["TIMEZONE"],
                                  public_url=_public_url())
            case_news.tell(ctx, appointment, case_news.CANCELLED_MESSAGE, actor)
            _hand_over_after_commit(ctx.after_commit, message)
    except booking.NotBookable as refused:
        flash(refused.message)
        return redirect(url_for("appointments.manage", token=token), 303)
    flash(_("Canceló el turno. El horario quedó libre para otra persona."))
    return redirect(url_for("appointments.manage", token=token), 303)


@bp.get("/gestionar/<token>/reprogramar")
@public
def move_month(token: str) -> ResponseReturnValue:
    """Pick another day for the appointment (same service and office)."""
    appointment = _movable(token)
    agenda, service, office = _where(appointment)
    return render_template("portal/appointments/month.html", service=service, office=office, agenda=agenda,
                           moving=appointment, token=token,
                           **_month_view(agenda, request.args.get("mes", ""), "appointments.move_day",
                                         {"token": token}))


@bp.get("/gestionar/<token>/reprogramar/<day>")
@public
def move_day(token: str, day: str) -> ResponseReturnValue:
    """The free times of a day to move the appointment to."""
    appointment = _movable(token)
    return _move_page(appointment, token, _parse_day(day), {}, None)


@bp.post("/gestionar/<token>/reprogramar/<day>")
@public
def move(token: str, day: str) -> ResponseReturnValue:
    """Move the appointment to the chosen time: a new appointment, the old one cancelled."""
    appointment = _movable(token)
    chosen_day = _parse_day(day)
    starts_at = _chosen_time(request.form.get("horario", ""))
    if starts_at is None:
        return _move_page(appointment, token, chosen_day, {"horario": [_("Elija un horario.")]}, None, 422)
    try:
        with transaction() as ctx:
            moved = booking.move(appointment, starts_at, by=_actor(appointment), now=_now(), calendar=_calendar(),
                                 ctx=ctx)
            message = mails.queue(moved, mails.CONFIRMED, zone=runtime().settings["TIMEZONE"],
                                  public_url=_public_url())
            path = links.manage_path(moved)
            _hand_over_after_commit(ctx.after_commit, message)
    except (booking.SlotTaken, booking.NotBookable) as refused:
        return _move_page(appointment, token, chosen_day, {}, refused.message, refused.status)
    flash(_("Cambió el turno de horario. Le enviamos la nueva confirmación; el turno anterior quedó cancelado."))
    return redirect(path, 303)


# --- helpers ---------------------------------------------------------------------------------------

def _by_token(token: str) -> Appointment:
    appointment = links.by_token(token)
    if appointment is None:
        abort(404)
    return appointment


def _movable(token: str) -> Appointment:
    appointment = _by_token(token)
    if appointment.status != "booked" or appointment.kind != "booked":
        raise NotFound(_("Este turno ya no puede cambiarse de horario."))
    return appointment


def _where(appointment: Appointment) -> tuple[Agenda, Service, Office]:
    """The agenda, service and office of an appointment."""
    agenda = db.session.get(Agenda, appointment.agenda_id)
    service = db.session.get(Service, agenda.service_id) if agenda is not None else None
    office = db.session.get(Office, agenda.office_id) if agenda is not None else None
    if agenda is None or service is None or office is None:
        abort(404)
    return agenda, service, office


def _actor(appointment: Appointment) -> str:
    """Who acts on an appointment from its page: the signed-in person, else the link's holder."""
    user = security.current_user()
    if user is not None:
        return user.username
    return appointment.holder or guests.GUEST


def _hand_over_after_commit(after_commit: list[Any], message_id: int | None) -> None:
    if message_id is not None:
        hand_over = runtime().hand_over
        after_commit.append(lambda: hand_over(message_id))


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


def _chosen_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _day_page(service: Service, agenda: Agenda, office: Office, chosen_day: date, errors: dict[str, list[str]],
              refusal: str | None, status: int = 200, values: dict[str, str] | None = None) -> ResponseReturnValue:
    free = slots.free_slots(agenda, chosen_day, chosen_day, now=_now(), calendar=_calendar())
    user, holder = _holder()
    return render_template("portal/appointments/day.html", service=service, office=office, agenda=agenda,
                           day=chosen_day, day_name=_day_name(chosen_day), free=free, errors=errors,
                           refusal=refusal, user=user, holder=holder, values=values or {},
                           action=url_for("appointments.book", service_id=service.id, agenda_id=agenda.id,
                                          day=chosen_day.isoformat()),
                           back=url_for("appointments.month", service_id=service.id, agenda_id=agenda.id,
                                        mes=chosen_day.strftime("%Y-%m"))), status


def _move_page(appointment: Appointment, token: str, chosen_day: date, errors: dict[str, list[str]],
               refusal: str | None, status: int = 200) -> ResponseReturnValue:
    agenda, service, office = _where(appointment)
    free = [s for s in slots.free_slots(agenda, chosen_day, chosen_day, now=_now(), calendar=_calendar())
            if s.starts_at != appointment.starts_at]
    return render_template("portal/appointments/day.html", service=service, office=office, agenda=agenda,
                           day=chosen_day, day_name=_day_name(chosen_day), free=free, errors=errors,
                           refusal=refusal, moving=appointment, values={},
                           action=url_for("appointments.move", token=token, day=chosen_day.isoformat()),
                           back=url_for("appointments.move_month", token=token,
                                        mes=chosen_day.strftime("%Y-%m"))), status


def _day_name(day: date) -> str:
    return _("%(weekday)s %(day)s de %(month)s de %(year)s", weekday=_(WEEKDAYS[day.weekday()]), day=day.day,
             month=_(MONTHS[day.month - 1]), year=day.year)


def _month_view(agenda: Agenda, wanted: str, day_endpoint: str, args: dict[str, str]) -> dict[str, Any]:
    """The weeks of a month (Monday first) with each day's free times, and the months around it."""
    cal, now = _calendar(), _now()
    service = db.session.get(Service, agenda.service_id)
    if service is None:
        abort(404)
    first_bookable, last_bookable = slots.bookable_days(service, now=now, calendar=cal)
    shown = _month_start(wanted) or first_bookable.replace(day=1)
    if shown < first_bookable.replace(day=1) or shown > last_bookable.replace(day=1):
        shown = first_bookable.replace(day=1)
    last = shown.replace(day=months.monthrange(shown.year, shown.month)[1])
    counts = slots.days_with_slots(agenda, shown, last, now=now, calendar=cal)
    weeks = [[(d, counts.get(d, 0), _day_name(d)) if d.month == shown.month else None for d in week]
             for week in months.Calendar(firstweekday=0).monthdatescalendar(shown.year, shown.month)]
    previous = (shown - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return {"weeks": weeks, "month_name": f"{_(MONTHS[shown.month - 1])} {shown.year}",
            "weekdays": [_(name) for name in WEEKDAYS], "day_endpoint": day_endpoint, "day_args": args,
            "previous": previous.strftime("%Y-%m") if previous >= first_bookable.replace(day=1) else None,
            "following": following.strftime("%Y-%m") if following <= last_bookable else None,
            "any_free": bool(counts)}


def _month_start(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y-%m").date().replace(day=1)
    except ValueError:
        return None

