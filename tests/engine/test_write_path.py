"""The write path of one task completion: what it costs the database, and what it survives.

The figures asserted are what this branch achieves (see docs/architecture.md, «El camino de
escritura»); a change that adds a statement to every completion has to say so here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, make_url, select
from sqlalchemy.orm import Session

from engine import audit
from engine.audit.chain import GENESIS, SYSTEM_CHAIN, event_hash
from engine.db import db
from engine.models import AuditEvent, Instance, Task
from engine.uow import unit_of_work
from engine.workflow import human_tasks, indexing
from tests.fixtures.engine import ApiClient

#: Statements of one completion that leads to the next human task (an applicant's: the case's
#: clock pauses), once a first case has put the version's specs and forms in the process's
#: caches (as on a live server). Reading the task (with its instance and, in the same statement,
#: the case's open tasks and subscriptions) and the open clock pause; writing the instance row,
#: which locks the audit chain and returns its head and the events' ids; the completed and the
#: new task in one upsert (on PostgreSQL inside the instance row's statement: one less there);
#: inserting the clock pause and the audit events (one multi-row INSERT, which moves the chain's
#: head in the database). On PostgreSQL add BEGIN and COMMIT for the round trips (psycopg 3
#: sends BEGIN on its own).
MOST_STATEMENTS = 6


@contextmanager
def statements(api: ApiClient) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends inside the block (an ``executemany`` is one)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with api.app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _first_review(api: ApiClient) -> tuple[str, dict[str, Any]]:
    """A case waiting at its review, after a first case went the same way (caches warm)."""
    assert api.deploy("simple").status_code == 201
    warm = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    answer = api.complete(api.ready_task(warm["id"], "revisar")["id"], {"completo": False, "observaciones": "-"})
    assert answer.status_code == 200, answer.get_json()
    started = api.start("tramite_simple", {"solicitante": "María"}).get_json()
    return started["id"], api.ready_task(started["id"], "revisar")


def _chain_intact(api: ApiClient, instance_id: str) -> list[str]:
    """The case's events in chain order, after checking every link against its stored content."""
    with api.app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.chain == instance_id)
                                         .order_by(AuditEvent.seq)))
        prev = GENESIS
        for seq, e in enumerate(events, start=1):
            assert (e.seq, e.prev_hash) == (seq, prev)
            assert e.hash == event_hash({c: getattr(e, c) for c in (
                "id", "chain", "seq", "prev_hash", "instance_id", "task_id", "actor", "at", "type",
                "element_id", "data")}), f"event {e.id} ({e.type}) does not match its seal"
            prev = e.hash
        db.session.remove()
    return [e.type for e in events]


def test_one_completion_writes_its_audit_events_in_one_insert(api: ApiClient) -> None:
    instance_id, revisar = _first_review(api)
    with statements(api) as seen:
        response = api.complete(revisar["id"], {"completo": False, "observaciones": "Falta el DNI"})
    assert response.status_code == 200, response.get_json()
    inserts = [s for s in seen if s.startswith("INSERT INTO audit_events")]
    assert len(inserts) == 1 and inserts[0].count("), (") >= 4, seen  # its five rows in one statement
    assert len(seen) <= MOST_STATEMENTS, "\n".join(s[:120] for s in seen)
    assert not [s for s in seen if s.startswith("UPDATE audit_events")]  # inserted sealed
    assert not [s for s in seen if s.startswith("SELECT subscriptions.id")]  # index rows came with the task
    # One INSERT, ids matched to the right rows: each stored event still matches its seal.
    types = _chain_intact(api, instance_id)
    assert types.count("task_created") == 2 and "task_completed" in types


def test_one_completion_flushes_once(api: ApiClient) -> None:
    _, revisar = _first_review(api)
    flushes: list[int] = []

    def counted(session: Any, _context: Any) -> None:
        flushes.append(len(session.new) + len(session.dirty))

    event.listen(Session, "after_flush", counted)
    try:
        response = api.complete(revisar["id"], {"completo": True, "observaciones": ""})
    finally:
        event.remove(Session, "after_flush", counted)
    assert response.status_code == 200, response.get_json()
    assert len([n for n in flushes if n]) == 1, flushes


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_connection_the_server_ended_is_replaced_without_losing_the_step(api: ApiClient,
                                                                          database_url: str) -> None:
    instance_id, revisar = _first_review(api)
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
        assert ended, "the app kept no connection in its pool"
        for _ in range(50):  # the backends take a moment to go
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchall():
                break
            time.sleep(0.05)
    with statements(api) as seen:
        response = api.complete(revisar["id"], {"completo": False, "observaciones": "Falta el DNI"})
    assert response.status_code == 200, response.get_json()
    assert not [s for s in seen if s.strip().upper() == "SELECT 1"]  # no pre-ping
    with api.app.app_context():
        assert db.session.get(Task, revisar["id"]).status == "completed"
        assert db.session.get(Instance, instance_id).data["observaciones"] == "Falta el DNI"
        db.session.remove()
    assert api.ready_task(instance_id, "corregir")


def test_events_of_a_case_and_of_no_case_in_one_flush_both_join_their_chains(api: ApiClient) -> None:
    instance_id, _ = _first_review(api)
    with api.app.app_context():
        with unit_of_work():
            audit.record("prueba_sistema", "pruebas", data={"n": 1})
            audit.record("prueba_caso", "pruebas", instance_id=instance_id, data={"n": 2})
            audit.record("prueba_sistema", "pruebas", data={"n": 3})
        db.session.remove()
    assert _chain_intact(api, instance_id)[-1] == "prueba_caso"
    assert _chain_intact(api, SYSTEM_CHAIN)[-2:] == ["prueba_sistema", "prueba_sistema"]


def test_index_rows_read_with_a_task_serve_only_its_transaction(api: ApiClient) -> None:
    """A completion refused after its task was read (a form error) leaves no rows for a later one."""
    instance_id, revisar = _first_review(api)
    with api.app.app_context():
        with unit_of_work():
            human_tasks.workable(revisar["id"], human_tasks.Actor("api:pruebas", admin=True))
            kept = db.session.info[indexing._PREFETCHED]
            assert kept == {instance_id: ([revisar["id"]], [])}
        assert indexing._PREFETCHED not in db.session.info
        db.session.remove()
