"""What the benchmarks share: a throw-away PostgreSQL database, and median/p95 timing."""

from __future__ import annotations

import os
import secrets
import statistics
import time
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import make_url

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def throwaway_postgres() -> tuple[str, Callable[[], None]] | None:
    """Create an empty database on ``TRAMITES_TEST_DATABASE_URL``'s server.

    :return: its SQLAlchemy URL and the callable that drops it, or ``None`` (said in one line)
        when the server does not answer.
    """
    admin = os.environ.get("TRAMITES_TEST_DATABASE_URL", PG_DEFAULT)
    libpq = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"tramites_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(libpq, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as e:
        print(f"(PostgreSQL no disponible en {admin}: {e}; se omite)")
        return None

    def drop() -> None:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return make_url(admin).set(drivername="postgresql+psycopg", database=name).render_as_string(False), drop


def median_p95(action: Callable[[], Any], runs: int, *, warmup: int = 1,
               clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """Median and 95th percentile of ``runs`` calls of ``action`` in milliseconds, after ``warmup`` calls.

    Pass ``clock=time.process_time`` to count CPU time, which other jobs on a shared machine
    do not inflate.
    """
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        began = clock()
        action()
        times.append((clock() - began) * 1000)
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]
