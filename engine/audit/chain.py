"""Audit chains: the events of each case linked by hashes, sealed when their transaction commits.

Every event belongs to one chain: its case's (the key is the instance id) or, for events of
no case (tokens, deployments), the chain ``sistema``. Its link is ``seq`` (1, 2, … in its
chain), ``prev_hash`` (the previous link's ``hash``, or :data:`GENESIS`) and ``hash``, the
SHA-256 of the canonical JSON of the event with its id and link (:func:`event_hash`). Changing,
removing, inserting or reordering an event breaks a link that ``tramites audit verify`` names.

Links are written at commit, not when the event is recorded: a step may run for a while
(connector calls) and the head of a chain is locked only from sealing to commit. Sealing
locks the heads of the transaction's chains (rows of ``audit_chains``) in key order, so two
transactions never wait for each other in a circle and cases never wait for one another.
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

from engine.models import AuditChain, AuditEvent

GENESIS = "0" * 64
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


def seal(connection: Connection, events: list[AuditEvent]) -> None:
    """Link inserted ``events`` into their chains and move the chains' heads.

    :param connection: the transaction's connection; the events are flushed (they have ids).
    """
    by_chain: dict[str, list[AuditEvent]] = defaultdict(list)
    for event_ in events:
        by_chain[event_.chain].append(event_)
    for key in sorted(by_chain):  # one order for every transaction: no waiting in a circle
        seq, prev = _lock_head(connection, key)
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


def _lock_head(connection: Connection, key: str) -> tuple[int, str]:
    """The chain's head, locked until commit (created at :data:`GENESIS` for a new chain).

    The UPDATE takes the row's lock on PostgreSQL (a second sealer of the chain waits, then
    reads the first one's head) and the database's write lock on SQLite.
    """
    touch = (update(_HEADS).where(_HEADS.c.key == key).values(seq=_HEADS.c.seq)
             .returning(_HEADS.c.seq, _HEADS.c.hash))
    row = connection.execute(touch).first()
    if row is None:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(_HEADS).values(key=key, seq=0, hash=GENESIS)
                           .on_conflict_do_nothing(index_elements=["key"]))
        row = connection.execute(touch).one()
    return int(row.seq), str(row.hash)


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
