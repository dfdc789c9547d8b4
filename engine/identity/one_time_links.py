"""One-time links sent by e-mail (address verification, password reset).

A link carries a random token signed with the app's secret (a ``salt`` per purpose); only the
token's SHA-256 is stored, in a row with ``expires_at`` and ``used_at``, so a copy of the
database opens nothing. The caller marks the row used once the link has done its work.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class LinkRow(Protocol):
    expires_at: datetime
    used_at: datetime | None


Row = TypeVar("Row", bound=LinkRow)


class LinkRefused(Exception):
    """Why a link does not work: ``invalido`` (tampered or unknown), ``vencido`` or ``usado``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue(secret_key: str, salt: str) -> tuple[str, str]:
    """A fresh link: the hash to store in its row, and the signed token for the URL."""
    raw = secrets.token_urlsafe(32)
    return _digest(raw), URLSafeTimedSerializer(secret_key, salt=salt).dumps(raw)


def open_link(token: str, *, secret_key: str, salt: str, valid_for: timedelta, now: datetime,
              find: Callable[[str], Row | None]) -> Row:
    """The row of a link that still works (``find`` looks a row up by its token hash).

    :raises LinkRefused: when the token is tampered or unknown, expired, or already used.
    """
    try:
        raw = URLSafeTimedSerializer(secret_key, salt=salt).loads(token, max_age=int(valid_for.total_seconds()))
    except SignatureExpired as e:
        raise LinkRefused("vencido") from e
    except BadSignature as e:
        raise LinkRefused("invalido") from e
    row = find(_digest(str(raw)))
    if row is None:
        raise LinkRefused("invalido")
    if row.used_at is not None:
        raise LinkRefused("usado")
    if row.expires_at < now:
        raise LinkRefused("vencido")
    return row


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
