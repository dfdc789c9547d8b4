"""Sign-in throttling against password guessing, kept in the database so every worker sees it.

Failures are counted per key: one per account *and* client address
(``cuenta:<id>|ip:203.0.113.7``; a name that is no account counts as ``usuario:<name>``), and
one per client address (``ip:203.0.113.7``). The account key is the account's, whichever of its
identifiers was typed (user name or e-mail), so switching between them gains nothing; it is
tied to the address, so failures from an attacker's address never lock the account's owner out
of their own. From ``threshold`` failures on, each further failure locks the key for a window
that doubles, up to ``max_lock``; a quiet period (``reset_after`` since the last failure)
forgets the count. An address gets a higher threshold than an account, since many citizens may
share one address behind a NAT. The address is the client's as ``engine.web.client`` reads it
(believing only trusted proxies).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from engine.db import db, savepoint
from engine.identity.models import SigninThrottle

MAX_KEY = 200


@dataclass(frozen=True)
class Rule:
    """When a kind of key starts locking and how the lock grows."""

    threshold: int
    base_lock: timedelta = timedelta(seconds=30)
    max_lock: timedelta = timedelta(minutes=15)
    reset_after: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class ThrottlePolicy:
    """The rules for user-name keys and for address keys."""

    user: Rule = Rule(threshold=5)
    ip: Rule = Rule(threshold=20)

    def rule(self, key: str) -> Rule:
        return self.ip if key.startswith("ip:") else self.user


def account_of(login: str, account_id: str | None) -> str:
    """The account part of a key: the account's id when the login names one, else the name typed."""
    return f"cuenta:{account_id}" if account_id else ("usuario:" + login.strip().casefold())[:MAX_KEY // 2]


def keys_for(account: str, ip: str | None) -> list[str]:
    """The throttle keys of one attempt: the account at this address, and the address."""
    if not ip:
        return [account]
    return [f"{account}|ip:{ip}"[:MAX_KEY], ("ip:" + ip)[:MAX_KEY]]


def wait_seconds(keys: Iterable[str], now: datetime) -> int:
    """Return how many seconds the caller must wait before trying again (0: go ahead).

    :param keys: the attempt's keys (see :func:`keys_for`).
    :param now: the current time (aware, UTC).
    """
    rows = db.session.scalars(select(SigninThrottle).where(SigninThrottle.key.in_(list(keys))))
    waits = [(row.locked_until - now).total_seconds() for row in rows if row.locked_until and row.locked_until > now]
    return int(max(waits, default=0) + 0.999)


def record_failure(keys: Iterable[str], now: datetime, policy: ThrottlePolicy) -> None:
    """Count a failed attempt on every key, locking those past their threshold (flushes)."""
    for key in keys:
        row = _row_for_update(key, now)
        rule = policy.rule(key)
        if now - row.last_failure_at > rule.reset_after:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= rule.threshold:
            lock = rule.base_lock * (2 ** min(row.failures - rule.threshold, 16))
            row.locked_until = now + min(lock, rule.max_lock)
    db.session.flush()


def take(key: str, now: datetime, limit: int, window: timedelta) -> bool:
    """Count one use of ``key`` (an e-mail the platform sends for someone, say); whether it is
    within ``limit`` uses per ``window`` (flushes). Kept in the same table as the failures."""
    row = _row_for_update(key[:MAX_KEY], now)
    if now - row.last_failure_at > window:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    db.session.flush()
    return row.failures <= limit


def record_success(account: str, ip: str | None) -> None:
    """Forget the account's failures at this address after a correct password (the address keeps its count)."""
    db.session.execute(delete(SigninThrottle).where(SigninThrottle.key == keys_for(account, ip)[0]))


def prune(now: datetime, policy: ThrottlePolicy) -> int:
    """Delete counts that are no longer locked and have been quiet long enough; return how many."""
    quiet = max(policy.user.reset_after, policy.ip.reset_after)
    result = db.session.execute(delete(SigninThrottle).where(
        SigninThrottle.last_failure_at < now - quiet,
        (SigninThrottle.locked_until.is_(None)) | (SigninThrottle.locked_until < now)))
    return int(getattr(result, "rowcount", 0) or 0)


def _row_for_update(key: str, now: datetime) -> SigninThrottle:
    """The key's row, locked on PostgreSQL; created when missing, tolerating a concurrent insert."""
    query = select(SigninThrottle).where(SigninThrottle.key == key).with_for_update()
    row = db.session.scalar(query)
    if row is not None:
        return row
    try:
        with savepoint():
            row = SigninThrottle(key=key, failures=0, last_failure_at=now)
            db.session.add(row)
    except IntegrityError:
        # Another worker inserted it between our select and insert: take theirs.
        row = db.session.scalar(query)
        if row is None:
            raise
    return row
