"""The studio's version diff and batch migration."""

from __future__ import annotations

from tests.identity.access_tables import ANALYSTS

TABLE: dict[str, frozenset[str]] = {
    "version_diff.show": ANALYSTS,
    "version_diff.migrate": ANALYSTS,
}
SAMPLE_ARGS: dict[str, str] = {}  # "key" is named in the worklists' table
SERVED_GET: dict[str, int] = {"version_diff.show": 404}
SERVED_POST: dict[str, int] = {"version_diff.migrate": 404}
