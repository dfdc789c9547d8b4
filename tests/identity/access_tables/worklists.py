"""The worklists pages (see the package's docstring for the three names)."""

from __future__ import annotations

STAFF = frozenset({"mesa", "supervisora", "admin"})
ANALYSTS = frozenset({"analista", "admin"})
READERS = STAFF | {"auditor", "archivo"}
SUPERVISORS = frozenset({"supervisora", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "inbox.index": STAFF,
    "inbox.claim": STAFF,
    "inbox.release": STAFF,
    "inbox.assign": STAFF,
    "inbox.claim_one": STAFF,
    "inbox.release_one": STAFF,
    # analysts too, for the tasks of their own test cases only (any other task is 404 to them)
    "task_page.show": STAFF | ANALYSTS,
    "task_page.complete": STAFF | ANALYSTS,
    "case_view.show": READERS,
    "case_view.document": READERS,
    "case_view.case_file": READERS,
    "case_view.comment": STAFF,
    "incidents.index": STAFF,
    "incidents.retry": STAFF,
    "dashboard.index": SUPERVISORS,
    "dashboard.export": SUPERVISORS,
    # staff-started procedures: any staff member opens the list; a key they may not start is 404
    "staff_start.index": STAFF,
    "staff_start.show": STAFF,
    "staff_start.submit": STAFF,
    # analysts' test cases: a version or case that names nothing is 404 (GET) or back to the list (POST)
    "test_cases.index": ANALYSTS,
    "test_cases.version": ANALYSTS,
}
SAMPLE_ARGS: dict[str, str] = {"task_id": "tarea-inexistente", "number": "EX-0000-000000-NADA",
                               "document_id": "documento-inexistente", "table": "pendientes",
                               "key": "tramite_inexistente", "version": "1", "instance_id": "caso-inexistente"}
SERVED_GET: dict[str, int] = {"task_page.show": 404, "case_view.show": 404, "case_view.document": 404,
                             "case_view.case_file": 404, "staff_start.show": 404,
                             "test_cases.version": 404}
