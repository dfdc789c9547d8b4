"""The studio's decision table and template editors (worklists/studio/decisions.py, template_editor.py)."""

from __future__ import annotations

from tests.identity.access_tables import ANALYSTS

TABLE: dict[str, frozenset[str]] = {
    "decisions.edit": ANALYSTS,
    "decisions.check": ANALYSTS,
    "decisions.create": ANALYSTS,
    "template_editor.edit": ANALYSTS,
    "template_editor.create": ANALYSTS,
    "template_editor.check": ANALYSTS,
    "template_editor.pdf": ANALYSTS,
}
SAMPLE_ARGS: dict[str, str] = {"folder": "nada"}
SERVED_GET: dict[str, int] = {"decisions.edit": 404, "template_editor.edit": 404, "template_editor.pdf": 404}
SERVED_POST: dict[str, int] = {"decisions.check": 404, "template_editor.check": 404}
