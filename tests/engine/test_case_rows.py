"""A case's row locks its audit chain (issue #20): steps and other writers of the case's events
at once still form one chain, without a conflict that only the lock's place would cause, and the
database refuses a link that does not follow the head.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import exc, select, text, update

from engine import audit
from engine.audit.chain import GENESIS, event_hash
from engine.db import db, utcnow
from engine.models import AuditChain, AuditEvent, Instance, Task
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient

READERS = 6


def _review(api: ApiClient) -> tuple[str, str]:
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    return started["id"], api.ready_task(started["id"], "revisar")["id"]


def _heads(api: ApiClient, instance_id: str) -> tuple[tuple[int, str], tuple[int, str], tuple[int, str]]:
    """The head as the case row keeps it, as ``audit_chains`` keeps it, and as the last link is."""
    with api.app.app_context():
        case = db.session.get(Instance, instance_id)
        chain = db.session.get(AuditChain, instance_id)
        last = db.session.scalars(select(AuditEvent).where(AuditEvent.chain == instance_id)
                                  .order_by(AuditEvent.seq.desc()).limit(1)).one()
        heads = (case.audit_seq, case.audit_hash), (chain.seq, chain.hash), (last.seq, last.hash)
        db.session.remove()
    return heads


def _links(api: ApiClient, instance_id: str) -> list[AuditEvent]:
    with api.app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.chain == instance_id)
                                         .order_by(AuditEvent.seq)))
        db.session.expunge_all()
        db.session.remove()
    prev = GENESIS
    for seq, e in enumerate(events, start=1):
        assert (e.seq, e.prev_hash) == (seq, prev)
        assert e.hash == event_hash({c: getattr(e, c) for c in (
            "id", "chain", "seq", "prev_hash", "instance_id", "task_id", "actor", "at", "type", "element_id", "data")})
        prev = e.hash
    return events


def test_a_completion_and_readers_recording_events_of_the_case_at_once_form_one_chain(api: ApiClient) -> None:
    """Readers of a case record events in its chain (a sensitive field read, a claim) while a step
    completes its task: each waits for the other's lock on the case row, none is refused."""
    instance_id, task_id = _review(api)
    barrier = threading.Barrier(READERS + 1)
    errors: list[BaseException] = []
    answers: list[Any] = []

    def read(index: int) -> None:
        try:
            with api.app.app_context():
                barrier.wait()
                with unit_of_work():
                    audit.record("prueba_lectura", f"lector-{index}", instance_id=instance_id)
                db.session.remove()
        except BaseException as e:  # reported below
            errors.append(e)

    def complete() -> None:
        try:
            barrier.wait()
            answers.append(api.complete(task_id, {"completo": True, "observaciones": ""}))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
    threads.append(threading.Thread(target=complete))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert [a.status_code for a in answers] == [200], [a.get_json() for a in answers]
    types = [e.type for e in _links(api, instance_id)]
    assert types.count("prueba_lectura") == READERS and "task_completed" in types
    row, chain, last = _heads(api, instance_id)
    assert row == chain == last


def test_the_heads_follow_every_kind_of_writer(api: ApiClient) -> None:
    """A start, a claim (the row only locked), a completion and an event recorded at commit:
    the case row, ``audit_chains`` and the last link always agree."""
    instance_id, task_id = _review(api)
    assert _heads(api, instance_id)[0] == _heads(api, instance_id)[2]
    assert api.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    row, chain, last = _heads(api, instance_id)
    assert row == chain == last
    assert api.complete(task_id, {"completo": True, "observaciones": ""}).status_code == 200
    row, chain, last = _heads(api, instance_id)
    assert row == chain == last
    assert [e.type for e in _links(api, instance_id)][-1] == "instance_completed"


def test_the_database_refuses_a_link_that_does_not_follow_the_head(api: ApiClient) -> None:
    """A sealer that skipped the case row's lock (two of them read the same head) would fork the
    chain: the second one's links are refused instead, and nothing of its transaction stays."""
    instance_id, _task_id = _review(api)
    (seq, hash_), _chain, _last = _heads(api, instance_id)
    forged = {"id": None, "chain": instance_id, "seq": seq, "prev_hash": "f" * 64, "instance_id": instance_id,
              "task_id": None, "actor": "intruso", "type": "bifurcacion", "element_id": None, "data": {}}
    with api.app.app_context():
        with pytest.raises(exc.DBAPIError, match="not follow its head"), db.engine.begin() as conn:
            conn.execute(AuditEvent.__table__.insert().values(
                {**{k: v for k, v in forged.items() if k != "id"}, "seq": seq + 1, "at": utcnow(), "hash": "e" * 64}))
        db.session.remove()
    assert _heads(api, instance_id)[0] == (seq, hash_)
    assert "bifurcacion" not in [e.type for e in _links(api, instance_id)]


def test_a_claim_during_a_step_waits_on_the_case_row_and_learns_who_took_the_task(
        api: ApiClient, api_with: Any) -> None:
    """A step locks its case's row, then writes its task rows. A claim takes the same two locks in
    the same order, so the two never wait in a circle (on PostgreSQL one of them would be aborted
    as a deadlock): the claim waits for the step, then finds the task taken."""
    instance_id, task_id = _review(api)
    claimer = api_with(api.app, "tasks", name="integracion")
    answers: list[Any] = []
    with api.app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        with db.engine.connect() as step:
            step.execute(update(Instance).where(Instance.id == instance_id)
                         .values(lock_version=Instance.lock_version + 1))
            claim = threading.Thread(target=lambda: answers.append(claimer.post(f"/api/v1/tasks/{task_id}/claim")))
            claim.start()
            _until_someone_waits(step, postgres)
            step.execute(update(Task).where(Task.id == task_id).values(assignee="otra"))
            step.commit()
        claim.join(timeout=60)
        db.session.remove()
    assert [a.status_code for a in answers] == [409], [a.get_json() for a in answers]
    assert answers[0].get_json()["detail"] == "La tarea ya fue tomada por otra."
    assert "task_claimed" not in [e.type for e in _links(api, instance_id)]


def _until_someone_waits(connection: Any, postgres: bool) -> None:
    """Until another transaction waits for a lock this one holds (on SQLite, a while: its writers
    wait inside the driver, where no one can see them)."""
    if not postgres:
        time.sleep(0.5)
        return
    for _ in range(200):
        if connection.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
            return
        time.sleep(0.05)
    raise AssertionError("the claim never waited for the step's lock on the case row")
