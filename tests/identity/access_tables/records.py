"""Records management (worklists/records.py): supervisors close and reopen case files, records
managers (no role user of the table: the administrator stands for them) approve disposals, and
auditors read the archive."""

from __future__ import annotations

SUPERVISORS = frozenset({"supervisora", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "records.close": SUPERVISORS,
    "records.reopen": SUPERVISORS,
    "records.index": frozenset({"auditor", "admin"}),
    "records.approve": frozenset({"admin"}),
}
SAMPLE_ARGS: dict[str, str] = {}  # "number" comes from the worklists table: it names no case
SERVED_GET: dict[str, int] = {}
SERVED_POST: dict[str, int] = {"records.close": 404, "records.reopen": 404, "records.approve": 404}
