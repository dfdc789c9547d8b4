"""The turnero's agendas (worklists/office/agendas.py): the scheduler keeps offices, services, agendas, closures."""

from __future__ import annotations

KEEPERS = frozenset({"agendas", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "agendas.index": KEEPERS,
    "agendas.new_office": KEEPERS,
    "agendas.create_office": KEEPERS,
    "agendas.edit_office": KEEPERS,
    "agendas.update_office": KEEPERS,
    "agendas.new_service": KEEPERS,
    "agendas.create_service": KEEPERS,
    "agendas.edit_service": KEEPERS,
    "agendas.update_service": KEEPERS,
    "agendas.new_agenda": KEEPERS,
    "agendas.create_agenda": KEEPERS,
    "agendas.edit_agenda": KEEPERS,
    "agendas.update_agenda": KEEPERS,
    "agendas.new_closure": KEEPERS,
    "agendas.add_closure": KEEPERS,
    "agendas.remove_closure": KEEPERS,
}
SAMPLE_ARGS: dict[str, str] = {"office_id": "oficina-inexistente", "service_id": "servicio-inexistente",
                               "agenda_id": "agenda-inexistente", "closure_id": "cierre-inexistente"}
# an office, service or agenda that names nothing is 404
SERVED_GET: dict[str, int] = {"agendas.edit_office": 404, "agendas.edit_service": 404, "agendas.edit_agenda": 404,
                              "agendas.new_closure": 404}
# an empty form comes back with its problems (422); one naming nothing is 404
SERVED_POST: dict[str, int] = {"agendas.create_office": 422, "agendas.create_service": 422,
                               "agendas.create_agenda": 422, "agendas.update_office": 404,
                               "agendas.update_service": 404, "agendas.update_agenda": 404,
                               "agendas.add_closure": 404, "agendas.remove_closure": 404}
