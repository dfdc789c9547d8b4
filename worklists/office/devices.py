"""The office's kiosks and displays (``/bandeja/dispositivos``): supervisors register, list and revoke them.

Registering a device gives a one-time activation code, shown once on this page: typed at
``/dispositivo/activar`` on the kiosk or the display itself, it authorises that device for the
office (see :mod:`engine.appointments.devices`). Nobody signs in on the device.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.appointments import devices, queue
from engine.appointments.models import OfficeDevice
from engine.errors import DataInvalid
from engine.identity.access import roles_required
from worklists import web

bp = Blueprint("devices", __name__, url_prefix="/bandeja/dispositivos", template_folder="../templates")
web.install_errors(bp)
SUPERVISORS = ("supervisor",)


def _page(code: str | None = None, device: OfficeDevice | None = None, error: str | None = None,
          status: int = 200) -> ResponseReturnValue:
    offices = [office for office, _services in queue.attended_here(None)]
    return render_template("worklists/office/devices.html", offices=offices, devices=devices.devices_of(),
                           office_names={o.id: o.name for o in offices}, kinds=devices.KIND_NAMES,
                           code=code, new_device=device, error=error), status


@bp.get("/")
@roles_required(*SUPERVISORS)
def index() -> ResponseReturnValue:
    """The registered devices and the form to register one."""
    return _page()


@bp.post("/")
@roles_required(*SUPERVISORS)
def register() -> ResponseReturnValue:
    """Register a device; its activation code is shown once, here."""
    try:
        with web.transaction():
            device, code = devices.register(request.form.get("oficina", ""), request.form.get("tipo", ""),
                                            request.form.get("nombre", ""), by=web.user().username, now=web.now())
    except DataInvalid as e:
        return _page(error=e.message, status=422)
    return _page(code=code, device=device)


@bp.post("/<device_id>/revocar")
@roles_required(*SUPERVISORS)
def revoke(device_id: str) -> ResponseReturnValue:
    """Revoke a device: it stops showing the kiosk or the display at its next request."""
    with web.transaction():
        device = devices.revoke(device_id, by=web.user().username, now=web.now())
        flash(_("Revocó «%(name)s».", name=device.name), "ok")
    return redirect(url_for("devices.index"), 303)
