"""The studio's home and its draft API (the editors' pages add their own files beside this one)."""

from __future__ import annotations

from tests.identity.access_tables import ANALYSTS

TABLE: dict[str, frozenset[str]] = {
    "studio.home": ANALYSTS,
    "studio.procedure": ANALYSTS,
    "studio.new_draft": ANALYSTS,
    "studio.edit_version": ANALYSTS,
    "studio.draft": ANALYSTS,
    "studio.save_manifest": ANALYSTS,
    "studio.discard": ANALYSTS,
    "draft_files.listing": ANALYSTS,
    "draft_files.read": ANALYSTS,
    "draft_files.write": ANALYSTS,
    "draft_files.remove": ANALYSTS,
    "draft_files.check": ANALYSTS,
    "draft_files.deploy": ANALYSTS,
    "draft_files.operations": ANALYSTS,
    "draft_files.groups": ANALYSTS,
}
SAMPLE_ARGS: dict[str, str] = {"draft_id": "999999", "name": "nada.json"}
SERVED_GET: dict[str, int] = {"studio.procedure": 404, "studio.draft": 404, "draft_files.listing": 404,
                              "draft_files.read": 404}
SERVED_POST: dict[str, int] = {"studio.edit_version": 404, "studio.save_manifest": 404, "studio.discard": 404,
                               "draft_files.check": 404, "draft_files.deploy": 404}
