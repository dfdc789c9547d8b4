"""A kiosk or a waiting-room display of an office: its activation, and which device a request comes from.

Nobody signs in on these devices. A supervisor registers one (``/bandeja/dispositivos``) and
types its one-time activation code here, on the device; the device then keeps a secret in a
cookie of its own (HttpOnly, SameSite=Strict), which every kiosk and display page checks.
A device without it sees only this form.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.appointments import devices
from engine.appointments.models import Office, OfficeDevice
from engine.db import db
from engine.errors import DataInvalid
from engine.identity.access import public
from engine.uow import unit_of_work
from engine.web.request import runtime
from portal import security

bp = Blueprint("device_activation", __name__, url_prefix="/dispositivo")
security.install_errors(bp)

COOKIE = "tramites_dispositivo"
#: Browsers keep a cookie at most 400 days; a device is activated again after that.
COOKIE_DAYS = 400
#: Where an activated device of each kind goes.
HOME = {"kiosk": "kiosk.index", "display": "display.index"}


def current_device(kind: str) -> OfficeDevice | None:
    """The activated device of ``kind`` this request comes from, or ``None``."""
    return devices.authenticated(request.cookies.get(_cookie_name()), kind)


def office_of(device: OfficeDevice) -> Office:
    office = db.session.get(Office, device.office_id)
    if office is None:  # pragma: no cover - a foreign key keeps it
        raise DataInvalid(_("La oficina del dispositivo ya no existe."))
    return office


def to_activation() -> Response:
    """Where a page sends a device that is not (or no longer) activated."""
    return redirect(url_for("device_activation.form"), 303 if request.method == "POST" else 302)


@bp.get("/activar")
@public
def form() -> ResponseReturnValue:
    """The form that takes the activation code a supervisor got when registering this device."""
    return render_template("portal/office/activation.html", error=None)


@bp.post("/activar")
@public
def activate() -> ResponseReturnValue:
    """Exchange the code for the device's secret and open its page (kiosk or display)."""
    try:
        with unit_of_work():
            done = devices.activate(request.form.get("codigo", ""), now=runtime().clock())
            kind = done.device.kind
    except DataInvalid as e:
        return render_template("portal/office/activation.html", error=e.message), 422
    response = redirect(url_for(HOME[kind]), 303)
    response.set_cookie(_cookie_name(), done.token, max_age=COOKIE_DAYS * 86400, httponly=True,
                        samesite="Strict", secure=security.settings().secure, path="/")
    return response


def _cookie_name() -> str:
    # On https the __Host- prefix binds the cookie to this host and path, as the session's.
    return f"__Host-{COOKIE}" if security.settings().secure else COOKIE
