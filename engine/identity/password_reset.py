"""Password reset by e-mail: a one-time link that expires, the same kind as the sign-up verification.

The link carries a random token signed with the app's secret; only its SHA-256 is stored,
so a copy of the database resets nothing. Asking for a reset says the same whether the
address has an account or not (no account enumeration); only active local accounts get a link
(staff of the directory change theirs there; an account an administrator created has no
password until its owner chooses one through :func:`issue_welcome`'s link or this one), at most
:data:`RESETS_PER_HOUR` an hour, so the form cannot flood a mailbox. A reset ends every session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from engine.db import db
from engine.errors import EngineError
from engine.identity import one_time_links, sessions
from engine.identity.accounts import User, hash_password
from engine.identity.models import PasswordReset
from engine.identity.signup import normalize_email, password_problem

RESET_FOR = timedelta(hours=1)
#: How long the link of a new account (its owner chooses the first password) works: it may wait a weekend.
WELCOME_FOR = timedelta(days=3)
#: Links one account may be sent per hour: asking again says "sent" and sends nothing.
RESETS_PER_HOUR = 3
RESET_SALT = "tramites.restablecer-contrasena"


class ResetFailed(EngineError):
    """The link is malformed, expired or used (``reason``), or the new password is weak (a problem code)."""

    status = 400
    title = "No se pudo cambiar la contraseña"

    def __init__(self, reason: str) -> None:
        super().__init__("No se pudo cambiar la contraseña.")
        self.reason = reason


def request_reset(email: str, now: datetime, secret_key: str) -> tuple[User, str] | None:
    """Record a reset for the account with this e-mail; the user and the signed token, or ``None``."""
    address = normalize_email(email)
    if address is None:
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None or not user.active or user.source != "local":
        return None
    if _recent_resets(user.id, now) >= RESETS_PER_HOUR:
        return None
    return user, _issue(user, now, RESET_FOR, secret_key)


def issue_welcome(user: User, now: datetime, secret_key: str) -> str:
    """The signed token of a link with which a new account's owner chooses its first password.

    The same kind of link as a reset (one use, only its hash stored, every session ended), valid
    for :data:`WELCOME_FOR`; an administrator creating the account never sees or sets the password.
    """
    return _issue(user, now, WELCOME_FOR, secret_key)


def _issue(user: User, now: datetime, valid_for: timedelta, secret_key: str) -> str:
    token_hash, token = one_time_links.issue(secret_key, RESET_SALT)
    db.session.add(PasswordReset(token_hash=token_hash, user_id=user.id, created_at=now, expires_at=now + valid_for))
    db.session.flush()
    return token


def _recent_resets(user_id: str, now: datetime) -> int:
    return int(db.session.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user_id, PasswordReset.created_at > now - timedelta(hours=1))) or 0)


def reset_password(token: str, password: str, now: datetime, secret_key: str) -> User:
    """Set a new password through a reset link; the link stops working and every session ends.

    :raises ResetFailed: ``invalido``, ``vencido``, ``usado``, or a password problem code
        (``corta``, ``larga``, ``comun``) from :func:`engine.identity.signup.password_problem`.
    """
    row = _row(token, now, secret_key)
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        raise ResetFailed("invalido")
    problem = password_problem(password, email=user.email)
    if problem:
        raise ResetFailed(problem)
    user.password_hash = hash_password(password)
    row.used_at = now
    sessions.revoke_all(user.id)
    db.session.flush()
    return user


def check_link(token: str, now: datetime, secret_key: str) -> None:
    """Tell whether a link still works (the page shows the form only then).

    :raises ResetFailed: as :func:`reset_password` does for the link.
    """
    _row(token, now, secret_key)


def _row(token: str, now: datetime, secret_key: str) -> PasswordReset:
    try:
        # The signature admits the longest link; each row's own expiry tells a reset from a welcome.
        return one_time_links.open_link(token, secret_key=secret_key, salt=RESET_SALT, valid_for=WELCOME_FOR, now=now,
                                        find=lambda token_hash: db.session.get(PasswordReset, token_hash))
    except one_time_links.LinkRefused as e:
        raise ResetFailed(e.reason) from e
