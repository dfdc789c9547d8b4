"""The turnero at the office: the kiosk and the display (devices activated by a code, no account), the desk.

The kiosk and display pages are open to every browser at the access layer: what lets one in
is the device's own secret (portal/office/device_activation.py). Without it a page sends the browser
to the activation form, whoever is signed in.
"""

from __future__ import annotations

from tests.identity.access_tables import PUBLIC

STAFF = frozenset({"mesa", "supervisora", "admin"})
SUPERVISORS = frozenset({"supervisora", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "device_activation.form": PUBLIC,
    "device_activation.activate": PUBLIC,
    "kiosk.index": PUBLIC,
    "kiosk.by_code": PUBLIC,
    "kiosk.by_document": PUBLIC,
    "kiosk.walk_in": PUBLIC,
    "kiosk.ticket": PUBLIC,
    "display.index": PUBLIC,
    "display.calls": PUBLIC,
    "desk.index": STAFF,
    "desk.show": STAFF,
    "desk.call_next": STAFF,
    "desk.recall": STAFF,
    "desk.attended": STAFF,
    "desk.absent": STAFF,
    "devices.index": SUPERVISORS,
    "devices.register": SUPERVISORS,
    "devices.revoke": SUPERVISORS,
}
SAMPLE_ARGS: dict[str, str] = {"office_id": "oficina-inexistente", "appointment_id": "turno-inexistente",
                               "device_id": "dispositivo-inexistente"}
# Without an activated device, the kiosk and the display send the browser to the activation form
# (the display's list, asked by htmx, answers 204 with HX-Redirect).
SERVED_GET: dict[str, int] = {"kiosk.index": 302, "kiosk.ticket": 302, "display.index": 302, "display.calls": 204,
                              "desk.show": 404}
SERVED_POST: dict[str, int] = {"kiosk.by_code": 303, "kiosk.by_document": 303, "kiosk.walk_in": 303,
                               "device_activation.activate": 422, "desk.call_next": 404, "desk.recall": 404,
                               "desk.attended": 404, "desk.absent": 404, "devices.register": 422,
                               "devices.revoke": 404}
