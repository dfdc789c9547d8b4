"""The SQLAlchemy handle shared by every model of the platform, and time helpers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, event
from sqlalchemy.orm import DeclarativeBase

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


def tune_sqlite(engine: Engine) -> None:
    """Put an SQLite database in WAL mode with full synchronous commits.

    Still durable (one fsync per commit instead of several), and readers no longer block
    the writer: the web threads and the background runner share one file. Other databases
    are left alone.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
