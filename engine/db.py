"""The SQLAlchemy handle shared by every model of the platform, and time helpers."""

from __future__ import annotations

import select
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, event, exc, update
from sqlalchemy.orm import DeclarativeBase, SessionTransaction
from sqlalchemy.sql.compiler import InsertmanyvaluesSentinelOpts

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def increment_counter(model: type[Any], column: str, **key: Any) -> int:
    """Add one to ``column`` of the counter row ``key`` names and return the new value; a missing
    row is created at 1 (case numbers per family and year, the turnero's numbers per office and day).

    The row is incremented in the caller's transaction: concurrent callers queue on its lock and
    never share a value, and a rolled-back transaction gives its value back. When two transactions
    create the row at once, the loser's savepoint is rolled back and it increments the winner's row.
    """
    counted = getattr(model, column)
    increment = (update(model).where(*(getattr(model, name) == value for name, value in key.items()))
                 .values({column: counted + 1}).returning(counted))
    found = db.session.execute(increment).scalar_one_or_none()
    if found is not None:
        return int(found)
    try:
        with savepoint():
            db.session.add(model(**key, **{column: 1}))
        return 1
    except exc.IntegrityError:
        # Another transaction created the row first; the increment now waits on its lock.
        return int(db.session.execute(increment).scalar_one())


@contextmanager
def savepoint() -> Iterator[SessionTransaction]:
    """``db.session.begin_nested()`` that keeps its work inside the caller's transaction on SQLite too.

    The SQLite driver opens no transaction for reads: a savepoint that is a transaction's first
    write opens the transaction itself, and releasing it commits there and then, whatever the
    caller does afterwards (a rollback would no longer undo it). So on SQLite the transaction is
    opened first, taking the write lock as any write does (``BEGIN IMMEDIATE``: no read snapshot
    that a concurrent writer could make stale before this one's first write).
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.dbapi_connection
        if driver is not None and not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")
    with db.session.begin_nested() as nested:
        yield nested


def utcnow() -> datetime:
    """Return the current time, aware, in UTC (the only zone stored)."""
    return datetime.now(UTC)


def new_id() -> str:
    """Return a new UUID string: the id type of every public resource."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC and read them back aware, on SQLite too.

    SQLite has no time zone type and returns naive values; without this a time read back
    would compare unequal with the one written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use engine.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def tune(engine: Engine) -> None:
    """Tune the engine for its database: SQLite's journal, PostgreSQL's dead connections, and
    rows inserted together sent as one statement."""
    # An executemany INSERT (a step's audit events, sealed before they go) becomes one
    # multi-row INSERT: one statement on either database, one round trip on PostgreSQL,
    # where psycopg 3 would otherwise send one statement per row (pipelined).
    engine.dialect.use_insertmanyvalues_wo_returning = True
    tune_sqlite(engine)
    drop_dead_connections(engine)


def tune_sqlite(engine: Engine) -> None:
    """Put an SQLite database in WAL mode with full synchronous commits.

    Still durable (one fsync per commit instead of several), and readers no longer block
    the writer: the web threads and the background runner share one file. Other databases
    are left alone.
    """
    if engine.dialect.name != "sqlite":
        return
    # SQLite gives each row of a multi-row INSERT the next rowid, in the order of its VALUES, so
    # the ids an INSERT ... RETURNING answers, sorted, line up with its rows. Telling SQLAlchemy
    # so lets the ORM write the rows of one flush (a step's audit events) in one INSERT instead
    # of one INSERT per row (it assumes nothing about SQLite's order by default).
    engine.dialect.insertmanyvalues_implicit_sentinel = InsertmanyvaluesSentinelOpts.ANY_AUTOINCREMENT

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def drop_dead_connections(engine: Engine) -> None:
    """Replace a pooled PostgreSQL connection the server has closed, without a round trip.

    ``pool_pre_ping`` sends a ``SELECT 1`` (its own transaction) on every checkout: one more
    wait on the server per request. A connection the server ended (restart,
    ``pg_terminate_backend``, idle timeout) has already been told so: its socket is readable
    (the server's farewell, then end of file) while it sits idle in the pool. Checking that
    costs a local ``poll``; a dead connection is discarded and the pool hands out a fresh one
    (SQLAlchemy retries the checkout on :class:`~sqlalchemy.exc.DisconnectionError`). Links
    that die silently are covered by ``pool_recycle`` (see ``wsgi._engine_options``).
    """
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or dbapi_connection.broken or _has_news(dbapi_connection.fileno()):
            raise exc.DisconnectionError("the server closed this pooled connection")


def _has_news(fd: int) -> bool:
    """Whether an idle connection's socket has something to read: only a closing server writes
    to a connection that is not running a query."""
    watcher = select.poll()
    watcher.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(watcher.poll(0))
