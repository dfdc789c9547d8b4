"""What one request costs the database: SQL statements and, on PostgreSQL, round trips.

Counted in process (Flask test client) with SQLAlchemy's engine and pool events, so the count
is the platform's own, whatever its code does:

- a statement is each ``cursor.execute``/``executemany`` (``before_cursor_execute``);
- BEGIN is counted when a statement or a ping leaves an idle connection inside a transaction
  (the driver sent BEGIN first, one round trip; SQLAlchemy's psycopg ping runs in autocommit
  and opens none), COMMIT/ROLLBACK when one ends an open transaction (on an idle connection
  the driver sends nothing), including the rollback the pool does on check-in;
- a ping is the pool's pre-ping ``SELECT 1`` (``dialect.do_ping``, wrapped).

Round trips = statements + BEGIN + COMMIT + ROLLBACK + pings (PostgreSQL only: SQLite has none).
"""

from __future__ import annotations

import cProfile
import io
from collections import Counter
from collections.abc import Callable
from typing import Any

from common import mark
from flask import Flask
from sqlalchemy import Engine, event

from engine.db import db
from engine.identity import tokens
from engine.uow import unit_of_work
from wsgi import create_app

KINDS = ("statements", "BEGIN", "COMMIT", "ROLLBACK", "pings")
CASES = 3  # 10-task cases counted: 30 completions


def _in_transaction(dbapi_connection: Any) -> bool:
    info = getattr(dbapi_connection, "info", None)
    if info is not None and hasattr(info, "transaction_status"):  # psycopg 3
        return int(info.transaction_status) != 0  # TransactionStatus.IDLE
    return bool(getattr(dbapi_connection, "in_transaction", False))  # sqlite3


class SqlCounter:
    """Counts what the engine sends, by kind, from the moment it is attached."""

    def __init__(self, engine: Engine) -> None:
        self.counts: Counter[str] = Counter()
        self._idle = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._ending("COMMIT"))
        event.listen(engine, "rollback", self._ending("ROLLBACK"))
        event.listen(engine.pool, "reset", self._reset)
        ping = engine.dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            idle = not _in_transaction(dbapi_connection)
            self.counts["pings"] += 1
            alive = ping(dbapi_connection)
            self._opened(idle, dbapi_connection)
            return alive

        engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]  # the pool calls the dialect's

    def _opened(self, idle_before: bool, dbapi_connection: Any) -> None:
        if idle_before and _in_transaction(dbapi_connection):
            self.counts["BEGIN"] += 1

    def _before(self, conn: Any, *_: Any) -> None:
        self._idle = not _in_transaction(conn.connection.dbapi_connection)
        self.counts["statements"] += 1

    def _after(self, conn: Any, *_: Any) -> None:
        self._opened(self._idle, conn.connection.dbapi_connection)

    def _ending(self, kind: str) -> Callable[[Any], None]:
        def ended(conn: Any) -> None:
            if _in_transaction(conn.connection.dbapi_connection):
                self.counts[kind] += 1
        return ended

    def _reset(self, dbapi_connection: Any, record: Any, *_: Any) -> None:
        if _in_transaction(dbapi_connection):
            self.counts["ROLLBACK"] += 1


def _app(url: str, folder: str) -> tuple[Flask, dict[str, str]]:
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context(), unit_of_work():
        _, secret = tokens.create("conteo", ["admin"], "conteo")
    return app, {"Authorization": f"Bearer {secret}"}


def _deploy(app: Flask, auth: dict[str, str], key: str, bpmn: str) -> None:
    files = [(io.BytesIO(bpmn.encode()), f"{key}.bpmn"),
             (io.BytesIO(f"key: {key}\nname: {key}\n".encode()), "manifest.yaml")]
    response = app.test_client().post("/api/v1/deployments", data={"files": files}, headers=auth,
                                      content_type="multipart/form-data")
    assert response.status_code in (200, 201), response.get_json()


def _cases(app: Flask, auth: dict[str, str], key: str, cases: int, on: Callable[[str], Any]) -> None:
    """Run ``cases`` chains through the API, calling ``on(kind)`` around each request."""
    client = app.test_client()
    for _ in range(cases):
        with on("iniciar"):
            response = client.post(f"/api/v1/processes/{key}/instances", json={"data": {}}, headers=auth)
        assert response.status_code == 201, response.get_json()
        instance_id = response.get_json()["id"]
        while True:
            with on("GET instancia"):
                tasks = client.get(f"/api/v1/instances/{instance_id}", headers=auth).get_json()["tasks"]
            if not tasks:
                break
            with on("completar"):
                response = client.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", json={"data": {}}, headers=auth)
            assert response.status_code == 200, response.get_json()


class _Tally:
    """Per request kind: how many requests and what they sent."""

    def __init__(self, counter: SqlCounter) -> None:
        self.counter = counter
        self.requests: Counter[str] = Counter()
        self.sent: dict[str, Counter[str]] = {}

    def __call__(self, kind: str) -> _Tally:
        self._kind, self._before = kind, Counter(self.counter.counts)
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: Any) -> None:
        self.requests[self._kind] += 1
        self.sent.setdefault(self._kind, Counter()).update(self.counter.counts - self._before)


def count_requests(database: str, url: str, folder: str, bpmn: str) -> list[tuple[str, str, dict[str, float]]]:
    """Per request kind, the mean of each count over ``CASES`` 10-task cases (after one warm-up case)."""
    app, auth = _app(url, folder)
    try:
        _deploy(app, auth, "conteo", bpmn)
        with app.app_context():
            engine = db.engine
        _cases(app, auth, "conteo", 1, lambda kind: _Nothing())  # warm-up: spec cache, pool, first queries
        tally = _Tally(SqlCounter(engine))
        _cases(app, auth, "conteo", CASES, tally)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return [(database, kind, {k: tally.sent[kind][k] / tally.requests[kind] for k in KINDS})
            for kind in ("completar", "iniciar", "GET instancia")]


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: Any) -> None:
        return None


def counts_table(rows: list[tuple[str, str, dict[str, float]]]) -> None:
    print(f"\nBase de datos por petición (en proceso, medias de {CASES} casos de 10 tareas; viajes = sentencias "
          "+ BEGIN/COMMIT/ROLLBACK + pings, solo PostgreSQL)")
    print(f"{'base':<11}{'petición':<15}{'sentencias':>11}{'BEGIN':>7}{'COMMIT':>7}{'ROLLBACK':>9}{'pings':>6}"
          f"{'viajes':>8}  objetivo")
    for database, kind, mean in rows:
        postgres = database == "postgresql"
        trips = sum(mean.values())
        target = ""
        if kind == "completar":
            target = f"sentencias {mark(mean['statements'], 4, at_most=True)}"
            if postgres:
                target += f"; viajes {mark(trips, 5, at_most=True)}"
        if postgres:
            rest = (f"{mean['BEGIN']:>7.1f}{mean['COMMIT']:>7.1f}{mean['ROLLBACK']:>9.1f}{mean['pings']:>6.1f}"
                    f"{trips:>8.1f}")
        else:  # sqlite3 opens transactions only before writes: BEGIN/COMMIT are no round trips here
            rest = f"{'-':>7}{'-':>7}{'-':>9}{mean['pings']:>6.1f}{'-':>8}"
        print(f"{database:<11}{kind:<15}{mean['statements']:>11.1f}{rest}  {target}")


def profiled_completions(url: str, folder: str, bpmn: str, profiler: cProfile.Profile) -> None:
    """Run 10-task cases in process with ``profiler`` on around the completions only."""
    app, auth = _app(url, folder)
    _deploy(app, auth, "perfil", bpmn)

    class Profiled(_Nothing):
        def __init__(self, kind: str) -> None:
            self.kind = kind

        def __enter__(self) -> None:
            if self.kind == "completar":
                profiler.enable()

        def __exit__(self, *_: Any) -> None:
            profiler.disable()

    _cases(app, auth, "perfil", 10, Profiled)
