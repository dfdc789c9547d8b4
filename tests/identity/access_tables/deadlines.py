"""The deadlines pages (see the package's docstring for the three names)."""

from __future__ import annotations

ADMINS = frozenset({"admin"})

TABLE: dict[str, frozenset[str]] = {
    "holidays.index": ADMINS,
    "holidays.add": ADMINS,
    "holidays.delete": ADMINS,
}
SAMPLE_ARGS: dict[str, str] = {}
SERVED_GET: dict[str, int] = {}
