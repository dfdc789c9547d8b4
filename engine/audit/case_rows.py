"""A case's row is the lock of its audit chain: the statement that writes the row reads the head.

A step changes its case's row (workflow state, status) under an optimistic version check, and
records events in the case's chain. Writing the row first, with ``RETURNING`` of the chain's
head (a copy kept on the row, :attr:`~engine.models.Instance.audit_seq`) and of the new events'
ids, locks the chain and reads its head in the statement the step needs anyway: the links are
then computed, and inserting them moves the head in the database (the trigger
``audit_events_advance_heads``). A transaction that records case events without changing the
case locks its row with an ``UPDATE`` that changes nothing, and reads the head the same way.

The task rows a flush writes together (the task completed and the one it opened) go in one
``INSERT … ON CONFLICT DO UPDATE``; on PostgreSQL, in the very statement that writes the case's
row (a data-modifying ``WITH``). A completion is thus: read the task with its case, write the
case (with its tasks), insert the events — three statements on PostgreSQL, four on SQLite.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Connection,
    Executable,
    Row,
    Table,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import ColumnProperty, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from engine.models import AuditEvent, Instance, Task

_INSTANCES: Table = Instance.__table__
_TASKS: Table = Task.__table__
_EVENTS: Table = AuditEvent.__table__
#: The statements below are built once per shape (which columns, how many rows) and run with
#: their values as parameters: building one costs more than running it.
_SHAPES = 256


@dataclass
class TaskRows:
    """The task rows of a flush, written by one statement instead of one per kind of change."""

    rows: list[dict[str, Any]]  # every column of each row
    updated: tuple[str, ...]  # the columns a row that exists gets from the statement
    new: list[Task]
    changed: list[tuple[Task, dict[str, Any]]]  # the loaded tasks and their changed columns

    def statement(self, postgres: bool) -> Insert:
        return _task_upsert(postgres, self.updated)

    def params(self, dialect: Dialect) -> dict[str, Any]:
        return {"task_rows": _rows_param(self.rows, dialect)}


def column_changes(obj: object) -> dict[str, Any] | None:
    """The column values changed on a loaded object, by attribute; ``None`` when something
    else changed (a relationship), which only the ORM's own flush knows how to write."""
    state = inspect(obj)
    changed: dict[str, Any] = {}
    for key in list(state.committed_state):  # the attributes set since loaded: few of many
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        if not isinstance(state.mapper.get_property(key), ColumnProperty):
            return None
        changed[key] = history.added[0] if history.added else None
    return changed


def write_case_row(connection: Connection, instance: Instance, changed: dict[str, Any], ids: int,
                   tasks: TaskRows | None = None) -> Row[Any]:
    """Write a case row's changes under its version check, returning its chain's head (locked):
    ``(seq, hash)``, then the new event ids' value when ``ids`` are wanted (:func:`event_ids`).

    :param changed: the row's changed columns by attribute (:func:`column_changes`).
    :param tasks: task rows to write in the same statement (PostgreSQL: a data-modifying ``WITH``).
    :raises StaleDataError: when another transaction changed the case first (as the ORM would).
    """
    postgres = connection.dialect.name == "postgresql"
    version = instance.lock_version
    write = _case_update(postgres, tuple(sorted(changed)), ids > 0)
    params = {**{f"c_{key}": value for key, value in changed.items()},
              "c_id": instance.id, "c_version": version, "c_next": version + 1, "id_count": ids}
    row = _execute(connection, write, params, tasks).first()
    if row is None:
        raise StaleDataError("UPDATE statement on table 'instances' expected to update 1 row(s); 0 were matched.")
    for key, value in changed.items():
        set_committed_value(instance, key, value)
    set_committed_value(instance, "lock_version", version + 1)
    return row


def insert_case_row(session: Session, connection: Connection, instance: Instance, ids: int,
                    tasks: TaskRows | None = None) -> Row[Any]:
    """Insert a new case's row before anything of its flush, returning its chain's head (the
    genesis) and the new event ids' value; the session then holds the case as persistent.

    Written first, rows that name the case (documents, incidents, clock pauses: they have no
    relationship that would order them after it) may follow in any order.
    """
    values = _insert_values(instance, _INSTANCES)
    if values is None:
        raise ValueError("a new case lacks a required column")
    write = _case_insert(connection.dialect.name == "postgresql", ids > 0)
    row = _execute(connection, write, {**{f"c_{key}": v for key, v in values.items()}, "id_count": ids}, tasks).one()
    _persisted(session, [instance])
    return row


def lock_case_row(connection: Connection, key: str, ids: int) -> Row[Any] | None:
    """Lock a case's row without changing it and read its chain's head; ``None`` when the case
    has no row (a destroyed case: its head is only in ``audit_chains``)."""
    touch = _case_lock(connection.dialect.name == "postgresql", ids > 0)
    return connection.execute(touch, {"c_id": key, "id_count": ids}).first()


def write_task_rows(connection: Connection, tasks: TaskRows) -> None:
    """Write task rows on their own (nothing to ride on)."""
    connection.execute(tasks.statement(connection.dialect.name == "postgresql"), tasks.params(connection.dialect))


def head(row: Any) -> tuple[int, str]:
    """The chain's head, ``(seq, hash)``, that a statement of this module (or a lock of
    ``audit_chains``) returned first."""
    return int(row[0]), str(row[1])


def event_ids(connection: Connection, row: Row[Any], count: int) -> list[int]:
    """The ``count`` new event ids a statement of this module returned after the head: an array
    of the sequence's values on PostgreSQL, the largest id so far on SQLite (the new ones follow
    it: no one else inserts while this transaction holds the database's write lock)."""
    if not count:
        return []
    value = typed(Any, row)[2]
    if connection.dialect.name == "postgresql":
        return sorted(int(i) for i in value)
    return [int(value) + n for n in range(1, count + 1)]


def moved_head(instance: Instance, seq: int, hash_: str) -> None:
    """Tell a case the head its new links moved it to (the database already has it)."""
    set_committed_value(instance, "audit_seq", seq)
    set_committed_value(instance, "audit_hash", hash_)


def _execute(connection: Connection, write: Any, params: dict[str, Any], tasks: TaskRows | None) -> Any:
    if tasks is None:
        return connection.execute(write, params)
    postgres = connection.dialect.name == "postgresql"
    return connection.execute(_riding(write, tasks.statement(postgres)), {**params, **tasks.params(connection.dialect)})


@lru_cache(maxsize=_SHAPES)
def _riding(write: Any, tasks: Insert) -> Executable:
    """``write`` with ``tasks`` in a data-modifying ``WITH`` (PostgreSQL), answering what ``write`` returns."""
    written = write.cte("case_row")
    return select(*written.c).add_cte(tasks.cte("task_rows"))


def ids_column(postgres: bool) -> ColumnElement[Any]:
    """New event ids, as many as the ``id_count`` parameter says (:func:`event_ids`)."""
    if postgres:
        series = func.generate_series(1, bindparam("id_count")).table_valued("n")
        nextval = func.nextval(func.pg_get_serial_sequence("audit_events", "id"))
        return select(func.array_agg(literal_column("n_ids"))).select_from(
            select(nextval.label("n_ids")).select_from(series).subquery()).scalar_subquery().label("ids")
    return select(func.coalesce(func.max(_EVENTS.c.id), 0)).scalar_subquery().label("ids")


def _head(postgres: bool, ids: bool) -> list[ColumnElement[Any]]:
    return [_INSTANCES.c.audit_seq, _INSTANCES.c.audit_hash, *([ids_column(postgres)] if ids else [])]


def _param(table: Table, key: str, prefix: str) -> BindParameter[Any]:
    return bindparam(f"{prefix}_{key}", type_=table.c[key].type)


@lru_cache(maxsize=_SHAPES)
def _case_update(postgres: bool, changed: tuple[str, ...], ids: bool) -> Executable:
    values = {_INSTANCES.c[key]: _param(_INSTANCES, key, "c") for key in changed}
    return (update(_INSTANCES)
            .where(_INSTANCES.c.id == bindparam("c_id"), _INSTANCES.c.lock_version == bindparam("c_version"))
            .values({**values, _INSTANCES.c.lock_version: bindparam("c_next")})
            .returning(*_head(postgres, ids)))


@lru_cache(maxsize=_SHAPES)
def _case_insert(postgres: bool, ids: bool) -> Executable:
    values = {column: _param(_INSTANCES, column.key, "c") for column in _INSTANCES.columns}
    return insert(_INSTANCES).values(values).returning(*_head(postgres, ids))


@lru_cache(maxsize=_SHAPES)
def _case_lock(postgres: bool, ids: bool) -> Executable:
    return (update(_INSTANCES).where(_INSTANCES.c.id == bindparam("c_id"))
            .values(audit_seq=_INSTANCES.c.audit_seq).returning(*_head(postgres, ids)))


@lru_cache(maxsize=_SHAPES)
def _task_upsert(postgres: bool, updated: tuple[str, ...]) -> Insert:
    """An upsert of as many task rows as the JSON array ``task_rows`` holds (:func:`_rows_param`):
    one parameter whatever the count, so the statement is compiled once (a multi-row ``VALUES``
    would be compiled again on every execution)."""
    names = [column.key for column in _TASKS.columns]
    rows: Any
    if postgres:
        records = func.json_populate_recordset(literal_column("NULL::tasks"),
                                               cast(bindparam("task_rows"), JSON)).alias("task_row")
        rows = select(*[literal_column(f'task_row."{name}"') for name in names]).select_from(records)
    else:
        elements = func.json_each(bindparam("task_rows"))
        rows = select(*[func.json_extract(literal_column("value"), f"$[{n}]") for n in range(len(names))]) \
            .select_from(elements).where(true())  # WHERE: SQLite's parser needs it before ON CONFLICT
    dialect = postgresql if postgres else sqlite
    statement = dialect.insert(_TASKS).from_select(names, rows)
    if updated:
        statement = statement.on_conflict_do_update(
            index_elements=[_TASKS.c.id], set_={key: statement.excluded[key] for key in updated})
    return statement


def _rows_param(rows: list[dict[str, Any]], dialect: Dialect) -> str:
    """Task rows as the JSON ``task_rows`` of :func:`_task_upsert`: objects by column for
    PostgreSQL's ``json_populate_recordset``, arrays for SQLite of what its driver would store."""
    if dialect.name == "postgresql":
        return json.dumps([{key: _plain(value) for key, value in row.items()} for row in rows])
    processors = _stored_as(dialect)
    return json.dumps([[processor(row[column.key]) if processor else row[column.key]
                        for column, processor in zip(_TASKS.columns, processors, strict=True)] for row in rows])


@lru_cache(maxsize=4)
def _stored_as(dialect: Dialect) -> list[Any]:
    """Per task column, what turns a value into what the driver stores (``None``: as it is)."""
    return [column.type.dialect_impl(dialect).bind_processor(dialect) for column in _TASKS.columns]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def task_rows(session: Session, riding: bool, inserted: set[str]) -> TaskRows | None:
    """The flush's new and changed task rows as one upsert, when that saves statements.

    Worth it for two rows or more, or for one when it rides on the case row's write
    (``riding``); otherwise (and whenever a row has a change only the ORM can write, or an
    unloaded column, or names a new case the ORM will insert later than this: not one of
    ``inserted``) ``None``, and the ORM writes them as usual.
    """
    new = [o for o in session.new if isinstance(o, Task)]
    later = {o.id for o in session.new if isinstance(o, Instance)} - inserted
    if any(task.instance_id in later for task in new):
        return None
    changed = [(o, column_changes(o)) for o in session.dirty if isinstance(o, Task)]
    dirty = [(o, c) for o, c in changed if c != {}]
    if len(new) + len(dirty) < (1 if riding else 2) or any(c is None for _o, c in dirty):
        return None
    rows: list[dict[str, Any]] = []
    for task in new:
        values = _insert_values(task, _TASKS)
        if values is None:
            return None
        rows.append(values)
    updated: set[str] = set()
    for task, change in dirty:
        values = _loaded_values(task)
        if values is None:
            return None
        rows.append(values)
        updated.update(change or {})
    return TaskRows(rows, tuple(sorted(updated)), new, [(task, change or {}) for task, change in dirty])


def wrote_task_rows(session: Session, rows: TaskRows) -> None:
    """Make the session agree with rows written by a :class:`TaskRows` statement: the new tasks
    persistent, the changed ones clean (nothing left for the ORM's flush to write)."""
    for task, change in rows.changed:
        for key, value in change.items():
            set_committed_value(task, key, value)
    _persisted(session, rows.new)


def _persisted(session: Session, written: list[Any]) -> None:
    """Hold objects just inserted by a statement of ours as the ORM holds the ones it inserts."""
    for obj in written:
        session.expunge(obj)
        make_transient_to_detached(obj)
        session.add(obj)


def _insert_values(obj: Any, table: Table) -> dict[str, Any] | None:
    """Every column of a new row: its object's value, else its column's default (filled on the
    object too, as the ORM would); ``None`` when a required value is missing."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.key in obj.__dict__:
            values[column.key] = obj.__dict__[column.key]
        elif isinstance(column.default, ScalarElementColumnDefault):
            values[column.key] = column.default.arg
        elif isinstance(column.default, CallableColumnDefault):
            # The column wraps a function of no arguments (``utcnow``) in one that takes a context.
            values[column.key] = column.default.arg(typed(Any, None))
        elif column.nullable:
            values[column.key] = None
        else:
            return None
        setattr(obj, column.key, values[column.key])
    return values


def _loaded_values(task: Task) -> dict[str, Any] | None:
    """Every column of a loaded task as it stands; ``None`` when one is not loaded."""
    if any(column.key not in task.__dict__ for column in _TASKS.columns):
        return None
    return {column.key: task.__dict__[column.key] for column in _TASKS.columns}
