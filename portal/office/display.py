"""The waiting-room display (``/pantalla``): the numbers called and their desks, readable across a room.

The page asks for its list of calls every few seconds (htmx polling) and replaces it in place,
so a call made at a desk appears without a reload. It shows numbers and desks only. Only an
activated display of the office answers (:mod:`portal.office.device_activation`).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for
from flask.typing import ResponseReturnValue

from engine.appointments import queue
from engine.appointments.models import OfficeDevice
from engine.identity.access import public
from engine.web.request import runtime
from portal import security
from portal.office.device_activation import current_device, office_of, to_activation

bp = Blueprint("display", __name__, url_prefix="/pantalla")
security.install_errors(bp)
#: How often the display asks for the calls, in seconds.
POLL_SECONDS = 3


def _calls(device: OfficeDevice) -> dict[str, object]:
    rt = runtime()
    now = rt.clock()
    return {"calls": queue.recent_calls(device.office_id, now, rt.settings["TIMEZONE"]), "now": now}


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """The display: the newest call large, the previous ones below, refreshed in place."""
    device = current_device("display")
    if device is None:
        return to_activation()
    return render_template("portal/office/display.html", office=office_of(device), poll=POLL_SECONDS,
                           **_calls(device))


@bp.get("/llamados")
@public
def calls() -> ResponseReturnValue:
    """The list of calls alone (what the page swaps in); a revoked display goes to the activation form."""
    device = current_device("display")
    if device is None:
        response = Response(status=204)
        response.headers["HX-Redirect"] = url_for("device_activation.form")
        return response
    return render_template("portal/office/_display_calls.html", **_calls(device))
