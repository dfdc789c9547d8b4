"""The database's part of a backup, with each database's own tools.

- PostgreSQL: ``pg_dump --format=custom`` of an exported snapshot, the very snapshot the
  backup's counts and document references are read in; ``pg_restore`` in one transaction.
- SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
  database while the platform keeps running; the copy itself is the snapshot read.

The password never appears on a command line (``PGPASSWORD`` in the tool's environment).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, inspect, text

from engine.backup.errors import BackupError

T = TypeVar("T")
PG_DUMP_FILE = "database/tramites.pgdump"
SQLITE_FILE = "database/tramites.sqlite"
#: Our own functions the audit trail's triggers call (the tables go with DROP TABLE … CASCADE).
_PG_FUNCTIONS = ("audit_events_refuse_change", "audit_events_advance_heads")
_TOOL_TIMEOUT = 6 * 3600


def dump(engine: Engine, target: Path, read: Callable[[Connection], T]) -> tuple[str, T]:
    """Copy the database into ``target`` and ``read`` the very state that was copied.

    :param read: called with a connection on the copied snapshot (counts, references).
    :return: the tool used (``"pg_dump 15.20"``, ``"sqlite3 3.40.1"``) and what ``read`` returned.
    :raises BackupError: when the tool is missing, too old for the server, or fails.
    """
    if engine.dialect.name == "postgresql":
        return _pg_dump(engine, target, read)
    return _sqlite_dump(engine, target, read)


def _sqlite_dump(engine: Engine, target: Path, read: Callable[[Connection], T]) -> tuple[str, T]:
    source = sqlite3.connect(_sqlite_path(engine))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one consistent state
    except sqlite3.Error as e:
        raise BackupError(f"La copia de la base SQLite falló: {e}") from e
    finally:
        copy.close()
        source.close()
    snapshot = create_engine(f"sqlite:///{target}")
    try:
        with snapshot.connect() as conn:
            return f"sqlite3 {sqlite3.sqlite_version}", read(conn)
    finally:
        snapshot.dispose()


def _pg_dump(engine: Engine, target: Path, read: Callable[[Connection], T]) -> tuple[str, T]:
    tool = _pg_tool("pg_dump")
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            server = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            version = _check_version(tool, server)
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={target}", f"--dbname={_libpq(engine)}"], engine, "pg_dump")
            return f"pg_dump {version}", read(conn)


def is_empty(engine: Engine) -> bool:
    """Whether the database holds no table at all (a restore goes only into an empty database)."""
    return not inspect(engine).get_table_names()


def wipe(engine: Engine) -> None:
    """Drop every table (and our trigger function) of the database: what ``--force`` asks for."""
    names = inspect(engine).get_table_names()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for name in names:
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
            for function in _PG_FUNCTIONS:
                conn.execute(text(f"DROP FUNCTION IF EXISTS {function}() CASCADE"))
        return
    engine.dispose()  # SQLite: the restore's backup API replaces the whole file's content anyway


def restore(engine: Engine, source: Path) -> None:
    """Load a dump made by :func:`dump` into the (empty) database of ``engine``.

    :raises BackupError: when the tool is missing or fails; PostgreSQL's restore is one
        transaction, so a failure leaves the database as it was.
    """
    engine.dispose()
    if engine.dialect.name == "postgresql":
        tool = _pg_tool("pg_restore")
        _run([tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={_libpq(engine)}", str(source)], engine, "pg_restore")
        return
    path = Path(_sqlite_path(engine))
    path.parent.mkdir(parents=True, exist_ok=True)
    copy, target = sqlite3.connect(source), sqlite3.connect(path)
    try:
        copy.backup(target)
    except sqlite3.Error as e:
        raise BackupError(f"La restauración de la base SQLite falló: {e}") from e
    finally:
        target.close()
        copy.close()


def dump_name(engine: Engine) -> str:
    """The file of the backup that holds this database."""
    return PG_DUMP_FILE if engine.dialect.name == "postgresql" else SQLITE_FILE


@contextmanager
def snapshot_of(engine: Engine) -> Iterator[Connection]:
    """A connection to read the database in one consistent state (after a restore)."""
    with engine.connect() as conn, conn.begin():
        yield conn


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("La base SQLite está en memoria: no hay nada que copiar ni dónde restaurar.")
    return path


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} no está instalado: instale el cliente de PostgreSQL de la misma versión que el "
                          "servidor (apt-get install postgresql-client).")
    return found


def _check_version(tool: str, server_version_num: int) -> str:
    """``pg_dump`` must be at least the server's major version (it refuses newer servers anyway)."""
    done = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    found = re.search(r"(\d+)(?:\.(\d+))?", done.stdout)
    if found is None:
        raise BackupError(f"No se reconoce la versión de {tool}: {done.stdout.strip()!r}.")
    server_major = server_version_num // 10000
    if int(found.group(1)) < server_major:
        raise BackupError(f"{tool} es de la versión {found.group(0)} y el servidor PostgreSQL de la "
                          f"{server_major}: instale postgresql-client-{server_major}.")
    return found.group(0)


def _libpq(engine: Engine) -> str:
    """The database's URL for libpq's tools, without its password."""
    return engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], engine: Engine, name: str) -> None:
    env = {**os.environ}
    if engine.url.password is not None:
        env["PGPASSWORD"] = str(engine.url.password)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=_TOOL_TIMEOUT,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{name} falló (código {done.returncode}): {' / '.join(detail[-3:])}")
