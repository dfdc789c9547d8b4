"""The procedures pages (see the package's docstring for the three names)."""

from __future__ import annotations

TABLE: dict[str, frozenset[str]] = {}
SAMPLE_ARGS: dict[str, str] = {}
SERVED_GET: dict[str, int] = {}
