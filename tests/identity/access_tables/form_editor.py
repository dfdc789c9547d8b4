"""The studio's form editor: a draft's forms, a new pair, the editor and its live preview."""

from __future__ import annotations

from tests.identity.access_tables import ANALYSTS

TABLE: dict[str, frozenset[str]] = {
    "form_editor.index": ANALYSTS,
    "form_editor.create": ANALYSTS,
    "form_editor.edit": ANALYSTS,
    "form_editor.preview": ANALYSTS,
}
SAMPLE_ARGS: dict[str, str] = {"draft_id": "999999", "name": "nada.json"}
SERVED_GET: dict[str, int] = {"form_editor.index": 404, "form_editor.edit": 404}
SERVED_POST: dict[str, int] = {"form_editor.create": 404, "form_editor.preview": 404}
