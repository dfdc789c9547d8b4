"""The office's check-in kiosk (``/kiosco``): full screen, large type, for touch.

A person with an appointment checks in with the QR code of the confirmation (a scanner types
it into the code field; a device with a camera reads it with the browser's BarcodeDetector) or
with their document number, and gets the number the display will call. Where a service allows
it, a person without an appointment takes a walk-in number. Only an activated kiosk of the
office answers (:mod:`portal.office.device_activation`), and it shows numbers, never names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.appointments import devices, queue, tickets
from engine.appointments.models import Agenda, Appointment, OfficeDevice, Service
from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.errors import NotFound
from engine.identity import throttle
from engine.identity.access import public
from engine.uow import unit_of_work
from engine.web.request import runtime
from portal import security
from portal.office.device_activation import current_device, office_of, to_activation

bp = Blueprint("kiosk", __name__, url_prefix="/kiosco")
security.install_errors(bp)
#: Check-ins by document number one kiosk takes per window (a morning's rush fits; a list typed in does not).
DOCUMENT_RATE = (60, timedelta(minutes=10))
#: The kiosk may use its camera to read the QR code; every other page keeps it off.
CAMERA_POLICY = "camera=(self), microphone=(), geolocation=()"


def _page(device: OfficeDevice, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    office = office_of(device)
    html = render_template("portal/office/kiosk.html", office=office, walk_ins=queue.walk_in_agendas(office.id),
                           error=error)
    return html, status, {"Permissions-Policy": CAMERA_POLICY}


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """The kiosk's home: check in with the code or the document number, or take a walk-in number."""
    device = current_device("kiosk")
    return to_activation() if device is None else _page(device)


@bp.post("/codigo")
@public
def by_code() -> ResponseReturnValue:
    """Check in with the appointment's code (typed by the QR scanner, read by the camera, or by hand)."""
    return _check_in(lambda office_id, now, timezone, actor: queue.check_in_by_code(
        request.form.get("codigo", ""), office_id, actor=actor, now=now, timezone=timezone))


@bp.post("/documento")
@public
def by_document() -> ResponseReturnValue:
    """Check in with the document number of the person who holds the appointment.

    Typing numbers one after another at a kiosk would tell who has an appointment today: each
    kiosk takes at most :data:`DOCUMENT_RATE` numbers per window.
    """
    device = current_device("kiosk")
    if device is not None and not _within_rate(device):
        return _page(device, _("Demasiados intentos con número de documento en este kiosco. Espere unos minutos "
                               "o consulte en la mesa de informes."), 429)
    return _check_in(lambda office_id, now, timezone, actor: queue.check_in_by_document(
        request.form.get("documento", ""), office_id, actor=actor, now=now, timezone=timezone))


@bp.post("/sin-turno")
@public
def walk_in() -> ResponseReturnValue:
    """Take a number without an appointment for a service that allows it."""
    return _check_in(lambda office_id, now, timezone, actor: queue.take_walk_in(
        request.form.get("agenda", ""), office_id, actor=actor, now=now, calendar=city_calendar(timezone)))


def _within_rate(device: OfficeDevice) -> bool:
    limit, window = DOCUMENT_RATE
    with unit_of_work():
        return throttle.take(f"kiosco-documento:{device.id}", security.settings().clock(), limit, window)


#: ``(office_id, now, timezone, actor) -> the appointment checked in (or the walk-in number taken)``.
CheckIn = Callable[[str, datetime, str, str], Appointment]


def _check_in(check_in: CheckIn) -> ResponseReturnValue:
    device = current_device("kiosk")
    if device is None:
        return to_activation()
    rt = runtime()
    try:
        with unit_of_work():
            found = check_in(device.office_id, rt.clock(), rt.settings["TIMEZONE"], devices.actor_of(device))
            found_id = found.id
    except queue.CheckInRefused as e:
        return _page(device, e.message, 422)
    return redirect(url_for("kiosk.ticket", appointment_id=found_id), 303)


@bp.get("/numero/<appointment_id>")
@public
def ticket(appointment_id: str) -> ResponseReturnValue:
    """The number just given, large, with the service and what to do next (back home by itself)."""
    device = current_device("kiosk")
    if device is None:
        return to_activation()
    rt = runtime()
    found = db.session.get(Appointment, appointment_id)
    today = tickets.local_day(rt.clock(), rt.settings["TIMEZONE"])
    agenda = db.session.get(Agenda, found.agenda_id) if found is not None else None
    if (found is None or agenda is None or agenda.office_id != device.office_id or found.ticket is None
            or found.checked_in_at is None or tickets.local_day(found.checked_in_at, rt.settings["TIMEZONE"]) != today):
        raise NotFound(_("Ese número no es de hoy en esta oficina."))
    return render_template("portal/office/kiosk_ticket.html", office=office_of(device), appointment=found,
                           service=db.session.get(Service, agenda.service_id))
