"""Tables of identities: web sessions, sign-in throttling, e-mail verifications and password resets.

Secrets never sit in these tables in the clear: a session row is keyed by the SHA-256 of the
cookie's token, a verification by the SHA-256 of the link's token, so a copy of the
database opens no session and activates no account.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, utcnow


class WebSession(db.Model):  # type: ignore[name-defined]
    """A browser's server-side session; anonymous (no user) until sign-in rotates it."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    #: The party the signed-in representative acts for («actuar en nombre de…»); re-checked on every use.
    acting_for: Mapped[str | None] = mapped_column(String(120))


class SigninThrottle(db.Model):  # type: ignore[name-defined]
    """Failed sign-ins counted per key (``usuario:…`` or ``ip:…``), shared by every worker."""

    __tablename__ = "signin_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailVerification(db.Model):  # type: ignore[name-defined]
    """A pending e-mail check: the link's token (hashed), whose it is, until when it works."""

    __tablename__ = "email_verifications"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(db.Model):  # type: ignore[name-defined]
    """A pending password reset: the link's token (hashed), whose it is, until when it works."""

    __tablename__ = "portal_password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
