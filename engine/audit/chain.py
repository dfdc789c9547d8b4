"""Audit chains: the events of each case linked by hashes, sealed when their transaction commits.

Every event belongs to one chain: its case's (the key is the instance id) or, for events of
no case (tokens, deployments), the chain ``sistema``. Its link is ``seq`` (1, 2, … in its
chain), ``prev_hash`` (the previous link's ``hash``, or :data:`GENESIS`) and ``hash``, the
SHA-256 of the canonical JSON of the event with its id and link (:func:`event_hash`). Changing,
removing, inserting or reordering an event breaks a link that ``tramites audit verify`` names.

Links are written when the events are flushed, not when they are recorded: a step may run
for a while (connector calls) and the head of a chain is locked only from sealing to commit.
A case's events are sealed by the flush that inserts them (:func:`seal_new`): the same flush
writes the case's instance row, which stays locked until commit anyway, and the events go in
with their links in one ``INSERT`` (no ``UPDATE`` after it). Events of :data:`SYSTEM_CHAIN`
(shared by every transaction) and any left unsealed are linked at commit (:func:`seal`).
Sealing locks the heads of the transaction's chains (rows of ``audit_chains``) in key order,
so two transactions never wait for each other in a circle and cases never wait for one another.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, event, func, inspect, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from engine.models import AuditChain, AuditEvent, Instance

GENESIS = "0" * 64
SYSTEM_CHAIN = "sistema"
_UNSEALED = "tramites.audit.unsealed"
_NEW_CHAINS = "tramites.audit.new_chains"
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


def seal_new(connection: Connection, events: list[AuditEvent], new_chains: set[str]) -> None:
    """Link events about to be inserted: give them ids, links and seals, and move the heads.

    The ids are taken from the database in the statement that locks the first head (the next
    values of the id sequence on PostgreSQL; on SQLite the ones after the largest, which no one
    else can take while this transaction holds the database's write lock). Events of
    :data:`SYSTEM_CHAIN` get their id here too (so none of the flush takes an id the database
    would hand out again) and are linked at commit.

    :param events: pending events of the flush, in the order they were recorded.
    :param new_chains: chains that cannot have a head yet (cases inserted by this transaction):
        their head is created with the events' ids in one statement. Each key sealed leaves it.
    """
    by_chain: dict[str, list[AuditEvent]] = defaultdict(list)
    for event_ in events:
        by_chain[event_.chain].append(event_)
    ids: list[int] = []
    for key in sorted(k for k in by_chain if k != SYSTEM_CHAIN):
        wanted = 0 if ids else len(events)
        opened = _open_head(connection, key, wanted) if key in new_chains else None
        seq, prev, taken = opened or _lock_head(connection, key, wanted)
        new_chains.discard(key)
        if not ids:
            ids = taken
            for event_, id_ in zip(events, ids, strict=True):
                event_.id = id_
        for event_ in by_chain[key]:
            seq += 1
            event_.seq, event_.prev_hash = seq, prev
            prev = event_.hash = event_hash({c: getattr(event_, c) for c in _HASHED})
        connection.execute(update(_HEADS).where(_HEADS.c.key == key).values(seq=seq, hash=prev))


_HASHED = ("id", "chain", "seq", "prev_hash", "instance_id", "task_id", "actor", "at", "type", "element_id", "data")


def seal(connection: Connection, events: list[AuditEvent]) -> None:
    """Link inserted ``events`` into their chains and move the chains' heads.

    :param connection: the transaction's connection; the events are flushed (they have ids).
    """
    by_chain: dict[str, list[AuditEvent]] = defaultdict(list)
    for event_ in events:
        by_chain[event_.chain].append(event_)
    for key in sorted(by_chain):  # one order for every transaction: no waiting in a circle
        seq, prev, _ids = _lock_head(connection, key)
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
        connection.execute(update(_HEADS).where(_HEADS.c.key == key).values(seq=seq, hash=prev))


def _open_head(connection: Connection, key: str, ids: int) -> tuple[int, str, list[int]] | None:
    """A new chain's head at :data:`GENESIS`, created (and so locked) with ``ids`` new event ids
    in one statement; ``None`` when the chain has a head already."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    create = (dialect.insert(_HEADS).values(key=key, seq=0, hash=GENESIS).on_conflict_do_nothing(index_elements=["key"])
              .returning(_HEADS.c.seq, _HEADS.c.hash, *([_new_ids(connection, ids)] if ids else [])))
    row = connection.execute(create).first()
    return None if row is None else _head_and_ids(connection, row, ids)


def _lock_head(connection: Connection, key: str, ids: int = 0) -> tuple[int, str, list[int]]:
    """The chain's head, locked until commit (created at :data:`GENESIS` for a new chain), and
    ``ids`` new event ids taken in the same statement.

    The UPDATE takes the row's lock on PostgreSQL (a second sealer of the chain waits, then
    reads the first one's head) and the database's write lock on SQLite.
    """
    touch = (update(_HEADS).where(_HEADS.c.key == key).values(seq=_HEADS.c.seq)
             .returning(_HEADS.c.seq, _HEADS.c.hash, *([_new_ids(connection, ids)] if ids else [])))
    row = connection.execute(touch).first()
    if row is None:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(_HEADS).values(key=key, seq=0, hash=GENESIS)
                           .on_conflict_do_nothing(index_elements=["key"]))
        row = connection.execute(touch).one()
    return _head_and_ids(connection, row, ids)


def _head_and_ids(connection: Connection, row: Any, ids: int) -> tuple[int, str, list[int]]:
    if not ids:
        return int(row[0]), str(row[1]), []
    if connection.dialect.name == "postgresql":
        return int(row[0]), str(row[1]), sorted(int(i) for i in row[2])
    return int(row[0]), str(row[1]), [int(row[2]) + n for n in range(1, ids + 1)]


def _new_ids(connection: Connection, count: int) -> ColumnElement[Any]:
    """An expression giving ``count`` new event ids: an array of the sequence's next values on
    PostgreSQL, the largest id so far on SQLite (the new ones follow it)."""
    if connection.dialect.name == "postgresql":
        series = func.generate_series(1, count).table_valued("n")
        nextval = func.nextval(func.pg_get_serial_sequence("audit_events", "id"))
        return select(func.array_agg(literal_column("n_ids"))).select_from(
            select(nextval.label("n_ids")).select_from(series).subquery()).scalar_subquery()
    return select(func.coalesce(func.max(_EVENTS.c.id), 0)).scalar_subquery()


@event.listens_for(Session, "before_flush")
def _seal_case_events(session: Session, _context: Any, _instances: Any) -> None:
    new = sorted((o for o in session.new if isinstance(o, AuditEvent) and o.hash is None and o.id is None),
                 key=lambda o: inspect(o).insert_order)
    if any(e.chain != SYSTEM_CHAIN for e in new):
        seal_new(session.connection(), new, session.info.setdefault(_NEW_CHAINS, set()))


@event.listens_for(Session, "pending_to_persistent")
def _note_new_case(session: Session, instance: object) -> None:
    if isinstance(instance, Instance):  # its chain's key is its id, a fresh UUID: no head yet
        session.info.setdefault(_NEW_CHAINS, set()).add(instance.id)


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
        session.info.pop(_NEW_CHAINS, None)
