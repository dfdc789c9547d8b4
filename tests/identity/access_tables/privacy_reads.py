"""«Lecturas de datos sensibles» (worklists/privacy_reads.py): auditors (and administrators)."""

from __future__ import annotations

AUDITORS = frozenset({"auditor", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "privacy_reads.index": AUDITORS,
    "privacy_reads.export": AUDITORS,
}
SAMPLE_ARGS: dict[str, str] = {}
SERVED_GET: dict[str, int] = {}
