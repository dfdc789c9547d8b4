"""The turnos pages of the portal: booking is open to everyone (guests book where the service allows
it, anyone else is asked to sign in when they book); an appointment's page opens with its secret
link, signed in or not; «Mis turnos» is the citizens' (see the package's docstring)."""

from __future__ import annotations

from tests.identity.access_tables import PUBLIC

CITIZENS = frozenset({"ciudadana", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "appointments.index": PUBLIC,
    "appointments.offices": PUBLIC,
    "appointments.month": PUBLIC,
    "appointments.day": PUBLIC,
    "appointments.book": PUBLIC,
    "appointments.guest_link": PUBLIC,
    "appointments.guest_confirm": PUBLIC,
    "appointments.mine": CITIZENS,
    "appointments.manage": PUBLIC,
    "appointments.calendar_file": PUBLIC,
    "appointments.cancel": PUBLIC,
    "appointments.move_month": PUBLIC,
    "appointments.move_day": PUBLIC,
    "appointments.move": PUBLIC,
}
# Names no service, agenda or appointment has: their pages are 404; an unknown guest link is refused.
SAMPLE_ARGS: dict[str, str] = {"service_id": "servicio-inexistente", "agenda_id": "agenda-inexistente",
                               "day": "2026-12-09", "token": "enlace-inexistente"}
SERVED_GET: dict[str, int] = {"appointments.offices": 404, "appointments.month": 404, "appointments.day": 404,
                              "appointments.guest_link": 400, "appointments.manage": 404,
                              "appointments.calendar_file": 404, "appointments.move_month": 404,
                              "appointments.move_day": 404}
SERVED_POST: dict[str, int] = {"appointments.book": 404, "appointments.guest_confirm": 400, "appointments.cancel": 404,
                               "appointments.move": 404}
