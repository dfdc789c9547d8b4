"""The studio's BPMN modeller: its page and the two JSON answers only it needs."""

from __future__ import annotations

from tests.identity.access_tables import ANALYSTS

TABLE: dict[str, frozenset[str]] = {
    "modeller.edit": ANALYSTS,
    "modeller.diagram": ANALYSTS,
    "modeller.lane_group": ANALYSTS,
}
SAMPLE_ARGS: dict[str, str] = {"draft_id": "999999"}
SERVED_GET: dict[str, int] = {"modeller.edit": 404, "modeller.diagram": 404, "modeller.lane_group": 404}
