"""The porta firma (worklists/porta_firma.py): staff sign what waits for their groups' signature."""

from __future__ import annotations

STAFF = frozenset({"mesa", "supervisora", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "porta_firma.index": STAFF,
    # a step that names nothing (or is another group's, or not its turn yet) is 404
    "porta_firma.preview": STAFF,
    "porta_firma.sign": STAFF,
    "porta_firma.refuse": STAFF,
}
SAMPLE_ARGS: dict[str, str] = {"step_id": "paso-inexistente"}
SERVED_GET: dict[str, int] = {"porta_firma.preview": 404}
# without documents chosen or a reason, nothing is signed: back to the list with the message
SERVED_POST: dict[str, int] = {"porta_firma.sign": 303, "porta_firma.refuse": 303}
