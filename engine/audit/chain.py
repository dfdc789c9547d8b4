"""Audit chains: the events of each case linked by hashes, sealed when their transaction commits.

Every event belongs to one chain: its case's (the key is the instance id) or, for events of
no case (tokens, deployments), the chain ``sistema``. Its link is ``seq`` (1, 2, … in its
chain), ``prev_hash`` (the previous link's ``hash``, or :data:`GENESIS`) and ``hash``, the
SHA-256 of the canonical JSON of the event with its id and link (:func:`event_hash`). Changing,
removing, inserting or reordering an event breaks a link that ``tramites audit verify`` names.

Links are written when the events are flushed, not when they are recorded: a step may run
for a while (connector calls) and the head of a chain is locked only from sealing to commit.
A case's events are sealed by the flush that inserts them (:func:`seal_new`): the case's row
carries its chain's head, and the statement that writes (or merely locks) the row reads it
(:mod:`engine.audit.case_rows`); the events go in with their links in one ``INSERT``, and the
database moves the head (on the row and in ``audit_chains``) as they go in, refusing links
that do not follow it. Events of :data:`SYSTEM_CHAIN` (shared by every transaction) and any
left unsealed are linked at commit (:func:`seal`). Sealing locks the transaction's chains in
key order, so two transactions never wait for each other in a circle and cases never wait for
one another.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, event, inspect, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from engine.audit import case_rows
from engine.models import GENESIS, AuditChain, AuditEvent, Instance

SYSTEM_CHAIN = "sistema"
_UNSEALED = "tramites.audit.unsealed"
_EVENTS = AuditEvent.__table__
_HEADS = AuditChain.__table__


def chain_of(instance_id: str | None) -> str:
    """The chain an event joins: its case's, or :data:`SYSTEM_CHAIN`."""
    return instance_id or SYSTEM_CHAIN


def as_stored(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as the JSON column gives it back (tuples become lists, keys strings), so the
    hash sealed at commit is the one a later reading computes."""
    stored: dict[str, Any] = json.loads(json.dumps(data))
    return stored


def event_hash(fields: Mapping[str, Any]) -> str:
    """The seal of one event (format 1): SHA-256 over the canonical JSON of its columns.

    :param fields: ``id``, ``chain``, ``seq``, ``prev_hash``, ``instance_id``, ``task_id``,
        ``actor``, ``at`` (an aware datetime), ``type``, ``element_id`` and ``data``.
    """
    payload = {
        "v": 1,
        "id": int(fields["id"]),
        "chain": fields["chain"],
        "seq": int(fields["seq"]),
        "prev": fields["prev_hash"],
        "instance_id": fields["instance_id"],
        "task_id": fields["task_id"],
        "actor": fields["actor"],
        "at": _moment(fields["at"]),
        "type": fields["type"],
        "element_id": fields["element_id"],
        "data": fields["data"],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _moment(at: datetime) -> str:
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def track(session: Session, event_: AuditEvent) -> None:
    """Have ``event_`` sealed when ``session``'s transaction commits."""
    session.info.setdefault(_UNSEALED, []).append(event_)


def seal_new(session: Session, events: list[AuditEvent]) -> None:
    """Link events about to be inserted: give them ids, links and seals (the database moves the heads).

    Each case chain is locked through its case's row (:mod:`engine.audit.case_rows`): by the
    write of the row when the flush changes it (a step), else by an ``UPDATE`` that changes
    nothing. The ids are taken from the database in the first of those statements (the next
    values of the id sequence on PostgreSQL; on SQLite the ones after the largest, which no one
    else can take while this transaction holds the database's write lock). Events of
    :data:`SYSTEM_CHAIN` get their id here too (so none of the flush takes an id the database
    would hand out again) and are linked at commit. The flush's task rows are written with the
    case row where they can be (:func:`engine.audit.case_rows.task_rows`).

    :param events: pending events of the flush, in the order they were recorded.
    """
    connection = session.connection()
    by_chain: dict[str, list[AuditEvent]] = defaultdict(list)
    for event_ in events:
        by_chain[event_.chain].append(event_)
    keys = sorted(k for k in by_chain if k != SYSTEM_CHAIN)  # one order for every transaction
    cases = {key: _loaded_case(session, key) for key in keys}
    writes = {key: changes for key, case in cases.items() if (changes := _row_changes(case)) is not None}
    postgres = connection.dialect.name == "postgresql"
    # The task rows ride on the case row's statement only when it is the flush's one case row
    # (a task of a case inserted by a later statement would name a row not there yet).
    alone = len(writes) == 1
    inserted = {key for key in writes if cases[key] is not None and inspect(cases[key]).pending}
    tasks = case_rows.task_rows(session, riding=postgres and alone, inserted=inserted)
    riding = tasks if tasks is not None and postgres and alone else None
    ids: list[int] = []
    for key in keys:
        wanted = 0 if ids else len(events)
        case = cases[key]
        row = _lock_chain(session, key, case, writes.get(key), wanted, riding)
        if key in writes:
            riding = None
        seq, prev = case_rows.head(row)
        if not ids:
            ids = case_rows.event_ids(connection, row, wanted)
            for event_, id_ in zip(events, ids, strict=True):
                event_.id = id_
        for event_ in by_chain[key]:
            seq += 1
            event_.seq, event_.prev_hash = seq, prev
            prev = event_.hash = event_hash({c: getattr(event_, c) for c in _HASHED})
        if case is not None:
            case_rows.moved_head(case, seq, prev)
    if tasks is not None:
        if riding is not None or not postgres or not writes:
            case_rows.write_task_rows(connection, tasks)
        case_rows.wrote_task_rows(session, tasks)


def _row_changes(case: Instance | None) -> dict[str, Any] | None:
    """What the flush writes to a case row this module writes: ``{}`` for a new row (all of
    it), its changed columns for a loaded one; ``None`` when no row is written here."""
    if case is None:
        return None
    if inspect(case).pending:
        return {}
    return case_rows.column_changes(case) or None


def _lock_chain(session: Session, key: str, case: Instance | None, changed: dict[str, Any] | None,
                ids: int, tasks: case_rows.TaskRows | None) -> Any:
    """Lock a case chain and read its head (and ``ids`` new event ids): by inserting or writing
    its case's row, by touching the row, or in ``audit_chains`` when the case has none."""
    connection = session.connection()
    if case is not None and inspect(case).pending:  # a new case: no one else sees its chain
        return case_rows.insert_case_row(session, connection, case, ids, tasks)
    if case is not None and changed is not None:
        return case_rows.write_case_row(connection, case, changed, ids, tasks)
    return case_rows.lock_case_row(connection, key, ids) or _lock_head_row(connection, key, ids)


def _loaded_case(session: Session, key: str) -> Instance | None:
    """The case of a chain as this session holds it (loaded or about to be inserted), without a query."""
    loaded = session.identity_map.get(inspect(Instance).identity_key_from_primary_key((key,)))
    if isinstance(loaded, Instance):
        return loaded
    return next((o for o in session.new if isinstance(o, Instance) and o.id == key), None)


_HASHED = ("id", "chain", "seq", "prev_hash", "instance_id", "task_id", "actor", "at", "type", "element_id", "data")


def seal(connection: Connection, events: list[AuditEvent]) -> None:
    """Link inserted ``events`` into their chains and move the chains' heads.

    :param connection: the transaction's connection; the events are flushed (they have ids).
    """
    by_chain: dict[str, list[AuditEvent]] = defaultdict(list)
    for event_ in events:
        by_chain[event_.chain].append(event_)
    for key in sorted(by_chain):  # one order for every transaction: no waiting in a circle
        row = case_rows.lock_case_row(connection, key, 0) if key != SYSTEM_CHAIN else None
        seq, prev = case_rows.head(row) if row is not None else _lock_head(connection, key)
        links = []
        for event_ in sorted(by_chain[key], key=lambda e: e.id):
            seq += 1
            digest = event_hash({"id": event_.id, "chain": key, "seq": seq, "prev_hash": prev,
                                 "instance_id": event_.instance_id, "task_id": event_.task_id,
                                 "actor": event_.actor, "at": event_.at, "type": event_.type,
                                 "element_id": event_.element_id, "data": event_.data})
            links.append({"event_id": event_.id, "seq": seq, "prev_hash": prev, "hash": digest})
            for name, value in (("seq", seq), ("prev_hash", prev), ("hash", digest)):
                set_committed_value(event_, name, value)
            prev = digest
        connection.execute(update(_EVENTS).where(_EVENTS.c.id == bindparam("event_id"))
                           .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash")),
                           links)
        if row is None:
            connection.execute(update(_HEADS).where(_HEADS.c.key == key).values(seq=seq, hash=prev))
            continue
        # Linked by an UPDATE, the trigger that moves a case's heads did not fire: moved here
        # (``audit_chains`` may have no row yet, when these are the case's first events).
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(_HEADS).values(key=key, seq=seq, hash=prev)
        connection.execute(upsert.on_conflict_do_update(index_elements=["key"], set_={"seq": seq, "hash": prev}))
        connection.execute(update(Instance).where(Instance.id == key).values(audit_seq=seq, audit_hash=prev)
                           .execution_options(synchronize_session=False))


def _lock_head(connection: Connection, key: str) -> tuple[int, str]:
    """The chain's head in ``audit_chains``, locked until commit (created at :data:`GENESIS` for
    a new chain).

    The UPDATE takes the row's lock on PostgreSQL (a second sealer of the chain waits, then
    reads the first one's head) and the database's write lock on SQLite.
    """
    return case_rows.head(_lock_head_row(connection, key, 0))


def _lock_head_row(connection: Connection, key: str, ids: int) -> Any:
    """:func:`_lock_head`'s row: ``(seq, hash)`` and, when ``ids`` are wanted, the value that
    :func:`engine.audit.case_rows.event_ids` reads them from."""
    postgres = connection.dialect.name == "postgresql"
    touch = (update(_HEADS).where(_HEADS.c.key == key).values(seq=_HEADS.c.seq)
             .returning(_HEADS.c.seq, _HEADS.c.hash, *([case_rows.ids_column(postgres)] if ids else [])))
    row = connection.execute(touch, {"id_count": ids}).first()
    if row is None:
        dialect = postgresql if postgres else sqlite
        connection.execute(dialect.insert(_HEADS).values(key=key, seq=0, hash=GENESIS)
                           .on_conflict_do_nothing(index_elements=["key"]))
        row = connection.execute(touch, {"id_count": ids}).one()
    return row


@event.listens_for(Session, "before_flush")
def _seal_case_events(session: Session, _context: Any, _instances: Any) -> None:
    new = sorted((o for o in session.new if isinstance(o, AuditEvent) and o.hash is None and o.id is None),
                 key=lambda o: inspect(o).insert_order)
    if any(e.chain != SYSTEM_CHAIN for e in new):
        seal_new(session, new)


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    if not session.info.get(_UNSEALED):
        return
    session.flush()
    # Events of a savepoint rolled back were expunged: only those still stored are sealed.
    events = [e for e in session.info.pop(_UNSEALED) if inspect(e).persistent and e.hash is None]
    if events:
        seal(session.connection(), events)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: committed (sealed) or rolled back
        session.info.pop(_UNSEALED, None)
