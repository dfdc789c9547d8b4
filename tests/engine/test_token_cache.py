"""The API token cache: live tokens for a few seconds, revocation effective once they pass."""

from __future__ import annotations

from flask import Flask

from engine.identity import tokens
from engine.uow import unit_of_work


def test_a_revoked_token_stops_working_when_its_cache_entry_expires(app: Flask) -> None:
    now = [100.0]
    cache = tokens.TokenCache(ttl=5.0, clock=lambda: now[0])
    with app.app_context():
        with unit_of_work():
            _, secret = tokens.create("tablero", ["read"], "tests")
        grant = cache.authenticate(secret)
        assert grant is not None and grant.name == "tablero" and grant.scopes == frozenset({"read"})
        with unit_of_work():
            tokens.revoke("tablero", "tests")
        now[0] += 4.0
        assert cache.authenticate(secret) is not None  # still cached: at most ttl seconds
        now[0] += 1.5
        assert cache.authenticate(secret) is None


def test_unknown_secrets_are_never_cached(app: Flask) -> None:
    cache = tokens.TokenCache()
    with app.app_context():
        assert cache.authenticate("tsmt_no-existe") is None
        assert cache.authenticate("otro-formato") is None


def test_a_tokens_use_is_kept_to_the_minute_without_a_write_per_request(app: Flask) -> None:
    now = [100.0]
    cache = tokens.TokenCache(ttl=5.0, clock=lambda: now[0])
    with app.app_context():
        with unit_of_work():
            token, secret = tokens.create("medidor", ["read"], "tests")
        assert token.last_used_at is None
        assert cache.authenticate(secret) is not None
        first = tokens.db.session.get(tokens.ApiToken, token.id).last_used_at
        assert first is not None
        assert tokens.note_use(token, first + tokens.USE_PRECISION / 2) is False
        assert tokens.note_use(token, first + tokens.USE_PRECISION) is True
        assert token.last_used_at == first + tokens.USE_PRECISION
