"""The studio's import and export pages."""

from __future__ import annotations

from tests.identity.access_tables import ANALYSTS

TABLE: dict[str, frozenset[str]] = {
    "transfer.export_draft": ANALYSTS,
    "transfer.export_draft_spiffarena": ANALYSTS,
    "transfer.export_version": ANALYSTS,
    "transfer.import_bundle": ANALYSTS,
}
SAMPLE_ARGS: dict[str, str] = {}  # draft_id, key and number come from the other tables: they name nothing
SERVED_GET: dict[str, int] = {"transfer.export_draft": 404, "transfer.export_draft_spiffarena": 404,
                              "transfer.export_version": 404}
SERVED_POST: dict[str, int] = {"transfer.import_bundle": 400}  # no file chosen
