"""What staff review inside their pages (issue #19): a case's document shown inline (worklists/case_view.py)."""

from __future__ import annotations

from tests.identity.access_tables.worklists import READERS

TABLE: dict[str, frozenset[str]] = {
    "case_view.view_document": READERS,
}
SAMPLE_ARGS: dict[str, str] = {"number": "EX-0000-000000-NADA", "document_id": "documento-inexistente"}
SERVED_GET: dict[str, int] = {"case_view.view_document": 404}
