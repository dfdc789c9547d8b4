"""Dependency checks shared by ``/readyz`` and ``tramites check``.

A check is a plain callable that returns ``None`` when its dependency answers and raises
otherwise. The checks themselves are injected by ``create_app`` (storage, broker, LDAP, MQTT
live outside the engine); only the database check is ours.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import text

from engine.db import db

log = logging.getLogger(__name__)

Check = Callable[[], None]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one dependency check."""

    name: str
    configured: bool
    ok: bool
    latency_ms: float | None
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {
            "configured": self.configured,
            "ok": self.ok,
            "latency_ms": self.latency_ms,
            "detail": self.detail,
        }


def check_database() -> None:
    """Run a trivial query on the platform's database."""
    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def run_checks(checks: Mapping[str, Check | None], describe: Mapping[str, str]) -> list[CheckResult]:
    """Run every check and time it; a ``None`` check means "not configured".

    :param checks: name → callable, or ``None`` for an optional dependency left off.
    :param describe: name → where it points (redacted URL) for the report.
    :return: one result per name, in the given order.
    """
    results = []
    for name, check in checks.items():
        where = describe.get(name, "")
        if check is None:
            results.append(CheckResult(name, False, True, None, where or "no configurado"))
            continue
        started = time.perf_counter()
        try:
            check()
        except Exception as e:  # any failure of a dependency means "down"
            log.warning("dependency %s is down: %r", name, e)
            elapsed = round((time.perf_counter() - started) * 1000, 1)
            results.append(CheckResult(name, True, False, elapsed, f"{where}: {_one_line(e)}"))
            continue
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        results.append(CheckResult(name, True, True, elapsed, where))
    return results


def _one_line(error: Exception) -> str:
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0] if message else ''}"[:300]
