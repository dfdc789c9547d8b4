"""The studio's «Probar» pages (worklists/studio/trial.py)."""

from __future__ import annotations

from tests.identity.access_tables import ANALYSTS

TABLE: dict[str, frozenset[str]] = {
    "trial.draft": ANALYSTS,
    "trial.try_draft": ANALYSTS,
    "trial.try_version": ANALYSTS,
    "trial.version": ANALYSTS,
    "trial.start": ANALYSTS,
    "trial.delete_all": ANALYSTS,
    "trial.case": ANALYSTS,
    "trial.case_form": ANALYSTS,
    "trial.complete": ANALYSTS,
    "trial.advance": ANALYSTS,
    "trial.delete": ANALYSTS,
}
SAMPLE_ARGS: dict[str, str] = {"draft_id": "999999", "key": "tramite_inexistente", "version": "1",
                               "instance_id": "caso-inexistente", "task_id": "tarea-inexistente"}
SERVED_GET: dict[str, int] = {"trial.draft": 404, "trial.version": 404, "trial.case": 404}
SERVED_POST: dict[str, int] = {name: 404 for name in TABLE if name not in SERVED_GET}
