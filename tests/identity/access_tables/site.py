"""What the whole site answers beside its pages: the icon browsers ask for on their own."""

from __future__ import annotations

from tests.identity.access_tables import PUBLIC

TABLE: dict[str, frozenset[str]] = {"home.favicon": PUBLIC}
SAMPLE_ARGS: dict[str, str] = {}
SERVED_GET: dict[str, int] = {"home.favicon": 301}
