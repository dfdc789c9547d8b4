"""The tracking page's documents and rating: whoever holds a case's tracking code (see the package's docstring)."""

from __future__ import annotations

from tests.identity.access_tables import PUBLIC

TABLE: dict[str, frozenset[str]] = {
    "tracking.document": PUBLIC,
    "tracking.rate": PUBLIC,
}
# A code no case has: the document is 404, the rating answers with the form to try another code.
SAMPLE_ARGS: dict[str, str] = {"code": "AAAA-AAAA-AAAA", "document_id": "documento-inexistente"}
SERVED_GET: dict[str, int] = {"tracking.document": 404}
SERVED_POST: dict[str, int] = {"tracking.rate": 404}
