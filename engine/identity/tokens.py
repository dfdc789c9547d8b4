"""Bearer tokens for integrations: created once, stored only as a hash, scoped."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from engine import audit
from engine.db import db, utcnow
from engine.errors import Conflict, EngineError
from engine.models import ApiToken
from engine.uow import unit_of_work

SCOPES = ("read", "start", "tasks", "messages", "deploy", "admin")
PREFIX = "tsmt_"
#: How precisely a token's last use is kept (the administration shows it to the minute).
USE_PRECISION = timedelta(minutes=1)


def actor_name(token_name: str) -> str:
    """Who a token's requests are in the audit trail."""
    return f"api:{token_name}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(name: str, scopes: list[str], actor: str) -> tuple[ApiToken, str]:
    """Create a token; return the row and the secret text (shown once, never stored).

    :raises EngineError: for an unknown scope or a bad name; Conflict when the name exists.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{1,60}", name):
        raise EngineError("El nombre del token debe tener de 2 a 61 letras minúsculas, dígitos, '.', '_' o '-'.")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise EngineError(f"Alcances no válidos: {', '.join(unknown) or 'ninguno'} (válidos: {', '.join(SCOPES)}).")
    if db.session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise Conflict(f"Ya existe un token llamado «{name}».")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=_digest(secret), scopes=" ".join(sorted(set(scopes))))
    db.session.add(token)
    db.session.flush()
    audit.record("token_created", actor, data={"name": name, "scopes": token.scopes})
    return token, secret


def authenticate(secret: str) -> ApiToken | None:
    """Return the live token for the secret, or ``None``."""
    if not secret.startswith(PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    # the lookup is by hash; compare again in constant time to be explicit about it
    return token if hmac.compare_digest(token.token_hash, _digest(secret)) else None


def note_use(token: ApiToken, now: datetime) -> bool:
    """Record that ``token`` was used at ``now``; only when the stored use is older than
    ``USE_PRECISION``, so that a busy integration does not write on every request.

    :returns: whether the token changed (the caller commits).
    """
    if token.last_used_at is not None and now - token.last_used_at < USE_PRECISION:
        return False
    token.last_used_at = now
    return True


@dataclass(frozen=True)
class Grant:
    """What a request needs of a live token: its name and scopes."""

    name: str
    scopes: frozenset[str]


class TokenCache:
    """Live tokens by hash for a few seconds, so a request does not read the token table each time.

    Only live tokens are kept (an unknown or revoked secret is looked up every time); a token
    revoked meanwhile keeps working for at most ``ttl`` seconds.
    """

    def __init__(self, ttl: float = 5.0, size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: OrderedDict[str, tuple[float, Grant]] = OrderedDict()
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._lock = threading.Lock()

    def authenticate(self, secret: str) -> Grant | None:
        """The grant of the live token for the secret, or ``None``."""
        if not secret.startswith(PREFIX):
            return None
        digest = _digest(secret)
        now = self._clock()
        with self._lock:
            cached = self._items.get(digest)
            if cached is not None and cached[0] > now:
                return cached[1]
        with unit_of_work():
            token = authenticate(secret)
            if token is None:
                return None
            note_use(token, utcnow())
            grant = Grant(token.name, frozenset(token.scopes.split()))
        with self._lock:
            self._items[digest] = (now + self._ttl, grant)
            self._items.move_to_end(digest)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return grant


def revoke(name: str, actor: str) -> None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("token_revoked", actor, data={"name": name})
