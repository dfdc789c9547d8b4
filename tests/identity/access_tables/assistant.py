"""Migue, the assistant (portal/assistant.py): anyone may ask, signed in or not."""

from __future__ import annotations

from tests.identity.access_tables import PUBLIC

TABLE: dict[str, frozenset[str]] = {
    "assistant.index": PUBLIC,
    "assistant.ask": PUBLIC,
}
SAMPLE_ARGS: dict[str, str] = {}
SERVED_GET: dict[str, int] = {}
# Posted without a question: 422 with the Spanish hint.
SERVED_POST: dict[str, int] = {"assistant.ask": 422}
