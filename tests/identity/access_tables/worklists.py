"""The worklists pages (see the package's docstring for the three names)."""

from __future__ import annotations

STAFF = frozenset({"mesa", "supervisora", "admin"})
READERS = STAFF | {"auditor"}
SUPERVISORS = frozenset({"supervisora", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "inbox.index": STAFF,
    "inbox.act": STAFF,
    "task.show": STAFF,
    "task.complete": STAFF,
    "case.show": READERS,
    "case.document": READERS,
    "case.case_file": READERS,
    "case.comment": STAFF,
    "incidents.index": STAFF,
    "incidents.retry": STAFF,
    "dashboard.index": SUPERVISORS,
    "dashboard.export": SUPERVISORS,
    # staff-started procedures: any staff member opens the list; a key they may not start is 404
    "staff_start.index": STAFF,
    "staff_start.show": STAFF,
    "staff_start.submit": STAFF,
}
SAMPLE_ARGS: dict[str, str] = {"tarea_id": "tarea-inexistente", "numero_expediente": "EX-0000-000000-NADA",
                               "documento_id": "documento-inexistente", "tabla": "pendientes",
                               "clave": "tramite_inexistente"}
SERVED_GET: dict[str, int] = {"task.show": 404, "case.show": 404, "case.document": 404, "case.case_file": 404,
                             "staff_start.show": 404}
