"""Server-side web sessions: opaque cookie tokens, idle expiry, rotation and revocation.

The browser holds a random token; the table holds its SHA-256. A session expires when idle
longer than ``idle`` or older than ``lifetime``; signing in replaces the session (a new
token, so a token planted before sign-in is worthless) and signing out deletes it. These
functions flush and never commit: the caller's unit of work does.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_

from engine.db import db
from engine.identity.models import WebSession

#: Writing ``last_seen_at`` on every request would turn every page view into a write.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Policy:
    """How long a session lives: idle limit and absolute limit."""

    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)


def token_hash(token: str) -> str:
    """Return the key under which a cookie token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(now: datetime, *, user_id: str | None = None, ip: str | None = None,
           user_agent: str | None = None) -> tuple[str, WebSession]:
    """Start a session; return the token for the cookie (shown once) and the row.

    :param now: the current time (aware, UTC).
    :param user_id: the signed-in user, or ``None`` for an anonymous session (it still
        carries a CSRF token for the sign-in and sign-up forms).
    """
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=token_hash(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
                     created_at=now, last_seen_at=now, ip=(ip or "")[:64] or None,
                     user_agent=(user_agent or "")[:200] or None)
    db.session.add(row)
    db.session.flush()
    return token, row


def load(token: str | None, now: datetime, policy: Policy) -> WebSession | None:
    """Return the live session for a cookie token, or ``None``; an expired one is deleted.

    :param token: the cookie's value (anything a browser sends; malformed is just unknown).
    """
    if not token or len(token) > 200:
        return None
    row = db.session.get(WebSession, token_hash(token))
    if row is None:
        return None
    if is_expired(row, now, policy):
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def is_expired(row: WebSession, now: datetime, policy: Policy) -> bool:
    """Tell whether a session has been idle, or alive, too long."""
    return now - row.last_seen_at > policy.idle or now - row.created_at > policy.lifetime


def touch(row: WebSession, now: datetime) -> bool:
    """Record activity; return whether the row changed (writes at most once a minute)."""
    if now - row.last_seen_at < TOUCH_EVERY:
        return False
    row.last_seen_at = now
    db.session.flush()
    return True


def rotate(old: WebSession | None, user_id: str | None, now: datetime, *, ip: str | None = None,
           user_agent: str | None = None) -> tuple[str, WebSession]:
    """Replace a session by a new one for ``user_id`` (sign-in); return the new token and row."""
    if old is not None:
        db.session.delete(old)
        db.session.flush()
    return create(now, user_id=user_id, ip=ip, user_agent=user_agent)


def revoke(row: WebSession | None) -> None:
    """End a session (sign-out)."""
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def revoke_all(user_id: str) -> int:
    """End every session of a user (password change, deactivation); return how many."""
    result = db.session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def prune(now: datetime, policy: Policy) -> int:
    """Delete expired sessions; return how many (one indexed statement, cheap to run often)."""
    result = db.session.execute(delete(WebSession).where(or_(
        WebSession.last_seen_at < now - policy.idle, WebSession.created_at < now - policy.lifetime)))
    return int(getattr(result, "rowcount", 0) or 0)
