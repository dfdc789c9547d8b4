"""Records management (worklists/records.py): supervisors and records managers close and reopen
case files, records managers approve disposals, auditors read the archive."""

from __future__ import annotations

CLOSERS = frozenset({"supervisora", "archivo", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "records.close": CLOSERS,
    "records.reopen": CLOSERS,
    "records.index": frozenset({"auditor", "archivo", "admin"}),
    "records.approve": frozenset({"archivo", "admin"}),
}
SAMPLE_ARGS: dict[str, str] = {}  # "number" comes from the worklists table: it names no case
SERVED_GET: dict[str, int] = {}
SERVED_POST: dict[str, int] = {"records.close": 404, "records.reopen": 404, "records.approve": 404}
