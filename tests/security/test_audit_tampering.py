"""Issue #16, hole 8 (high): the audit trail was guarded, not tamper-evident.

On PostgreSQL a trigger refused UPDATE and DELETE, but whoever owns the database walked
around it: TRUNCATE emptied the trail, ``DISABLE TRIGGER`` + UPDATE rewrote an event, a
backdated INSERT was accepted; SQLite had no guard at all. Nothing told anyone.

Now each case's events form a hash chain, sealed in the step's own transaction; the
background work signs a checkpoint of every chain's head into the document store; and
``tramites audit verify`` names the first broken link of each chain and exits 1. Each attack
below is run as the attacker ran it, with SQL on a plain connection (on PostgreSQL with the
table's triggers disabled by its owner), and must be caught.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import JSON, Connection, bindparam, column, create_engine, insert, make_url, select, table, text

from engine import audit
from engine.audit import verify as verification
from engine.audit.chain import GENESIS, event_hash
from engine.background.jobs import run_due_work
from engine.db import UTCDateTime, db
from engine.models import AuditCheckpoint, AuditEvent
from engine.uow import unit_of_work
from engine.web.request import runtime
from tests.fixtures.engine import ApiClient
from wsgi import create_app

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BEFORE_CHAINS = "d0b7c9e1f3a5"  # the last revision whose events had no chain


@pytest.fixture
def case(app: Flask, api: ApiClient) -> dict[str, Any]:
    """A case with a few events (started, its task created and claimed), plus system events (token, deployment)."""
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    task = api.ready_task(started["id"], "revisar")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    with app.app_context():
        events = list(db.session.execute(
            select(AuditEvent.id, AuditEvent.seq).where(AuditEvent.instance_id == started["id"])
            .order_by(AuditEvent.seq)))
        db.session.remove()
    assert len(events) >= 4, events
    return {"id": started["id"], "number": started["number"], "events": [e.id for e in events]}


def _verify(app: Flask) -> tuple[int, list[str]]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output.strip().splitlines()


def _checkpoint(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output


@contextmanager
def _as_the_attacker(app: Flask) -> Iterator[Connection]:
    """A plain connection of the database's owner, with the table's triggers off meanwhile (on
    SQLite, which cannot disable one, dropped and created again)."""
    with app.app_context(), db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL"))
        else:
            triggers = list(conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'")))
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn
        if postgres:
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER ALL"))
        else:
            for _name, sql in triggers:
                conn.execute(text(sql))


def _row(conn: Connection, event_id: int) -> dict[str, Any]:
    return dict(conn.execute(text("SELECT * FROM audit_events WHERE id = :id"), {"id": event_id}).mappings().one())


def test_an_untouched_trail_verifies_clean(app: Flask, case: dict[str, Any]) -> None:
    code, lines = _verify(app)
    assert code == 0, lines
    assert len(lines) == 1 and lines[0].startswith("Registro de auditoría íntegro: ")
    assert "sin puntos de control" in lines[0]
    _checkpoint(app)
    code, lines = _verify(app)
    assert code == 0, lines
    assert lines[0].startswith("Registro de auditoría íntegro: ") and "último punto de control del" in lines[0]


def test_update_of_an_event_is_detected(app: Flask, case: dict[str, Any]) -> None:
    _checkpoint(app)
    target = case["events"][1]
    with _as_the_attacker(app) as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'otra-persona' WHERE id = :id"), {"id": target})

    code, lines = _verify(app)
    assert code == 1
    assert lines == [f"Expediente {case['number']}, eslabón 2 (evento {target}): el evento fue alterado "
                     "(su contenido no coincide con su sello)."]


def test_truncate_is_detected(app: Flask, case: dict[str, Any]) -> None:
    _checkpoint(app)
    with _as_the_attacker(app) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE audit_events, audit_chains"))
        else:
            conn.execute(text("DELETE FROM audit_events"))
            conn.execute(text("DELETE FROM audit_chains"))

    code, lines = _verify(app)
    assert code == 1
    assert f"Expediente {case['number']}: no quedan eventos; el punto de control registraba " \
           f"{len(case['events'])} (borrados o truncados)." in lines
    assert any(line.startswith("Cadena «sistema»: no quedan eventos") for line in lines), lines


def test_truncate_is_detected_even_before_the_first_checkpoint(app: Flask, case: dict[str, Any]) -> None:
    with _as_the_attacker(app) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE instance_id = :id"), {"id": case["id"]})
        conn.execute(text("DELETE FROM audit_chains WHERE key = :id"), {"id": case["id"]})

    code, lines = _verify(app)
    assert code == 1
    assert f"Expediente {case['number']}: no tiene eventos de auditoría (borrados o truncados)." in lines


def test_delete_of_an_event_is_detected(app: Flask, case: dict[str, Any]) -> None:
    target = case["events"][1]
    with _as_the_attacker(app) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": target})

    code, lines = _verify(app)
    assert code == 1
    assert lines == [f"Expediente {case['number']}, eslabón 2: falta el evento (el siguiente, "
                     f"evento {case['events'][2]}, es el eslabón 3)."]


def test_delete_of_the_last_event_is_detected(app: Flask, case: dict[str, Any]) -> None:
    _checkpoint(app)
    last = case["events"][-1]
    with _as_the_attacker(app) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": last})

    code, lines = _verify(app)
    assert code == 1
    seq = len(case["events"])
    assert f"Expediente {case['number']}, eslabón {seq}: falta el evento (la cadena termina en el " \
           f"eslabón {seq - 1}; su cabeza registra {seq})." in lines
    assert f"Expediente {case['number']}, eslabón {seq}: falta el evento (la cadena termina en el " \
           f"eslabón {seq - 1}; el punto de control registraba {seq})." in lines


def test_a_forged_backdated_insert_is_detected(app: Flask, case: dict[str, Any]) -> None:
    with _as_the_attacker(app) as conn:
        first = _row(conn, case["events"][0])
        forged = conn.execute(text(
            "INSERT INTO audit_events (instance_id, chain, actor, at, type, data) "
            "VALUES (:instance_id, :chain, 'intendente', :at, 'task_completed', '{}') RETURNING id"),
            {"instance_id": case["id"], "chain": case["id"], "at": first["at"]}).scalar_one()

    code, lines = _verify(app)
    assert code == 1
    assert lines == [f"Expediente {case['number']} (evento {forged}): el evento no tiene sello: "
                     "se insertó por fuera de la aplicación."]


def test_a_forged_insert_with_a_recomputed_chain_is_detected_by_the_checkpoint(
        app: Flask, case: dict[str, Any]) -> None:
    """The attacker read the code: the forged event is sealed and every later link recomputed."""
    _checkpoint(app)
    with _as_the_attacker(app) as conn:
        rows = [_row(conn, event_id) for event_id in case["events"]]
        forged = {**rows[0], "id": conn.execute(text("SELECT max(id) + 1 FROM audit_events")).scalar_one(),
                  "actor": "intendente", "type": "task_completed", "data": "{}", "task_id": None, "element_id": None}
        conn.execute(text("DELETE FROM audit_events WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
                     {"ids": case["events"]})
        prev = GENESIS
        for seq, row in enumerate([rows[0], forged, *rows[1:]], start=1):
            data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
            sealed = {**row, "seq": seq, "prev_hash": prev, "data": json.dumps(data)}
            sealed["hash"] = prev = event_hash({**sealed, "data": data, "at": _aware(row["at"])})
            conn.execute(text(
                "INSERT INTO audit_events (id, instance_id, chain, seq, prev_hash, hash, task_id, actor, at, type, "
                "element_id, data) VALUES (:id, :instance_id, :chain, :seq, :prev_hash, :hash, :task_id, :actor, "
                ":at, :type, :element_id, :data)"), sealed)
        conn.execute(text("UPDATE audit_chains SET seq = :seq, hash = :hash WHERE key = :key"),
                     {"seq": len(rows) + 1, "hash": prev, "key": case["id"]})

    code, lines = _verify(app)
    assert code == 1
    checkpointed = len(case["events"])
    assert len(lines) == 1 and lines[0].startswith(
        f"Expediente {case['number']}, eslabón {checkpointed} (evento "), lines
    assert lines[0].endswith("): no coincide con el punto de control (la cadena fue reescrita).")


def test_reordering_events_is_detected(app: Flask, case: dict[str, Any]) -> None:
    """Two events of the case trade places in its timeline (which is ordered by id)."""
    a, b = case["events"][1], case["events"][2]
    with _as_the_attacker(app) as conn:
        conn.execute(text("UPDATE audit_events SET id = -1 WHERE id = :a"), {"a": a})
        conn.execute(text("UPDATE audit_events SET id = :a WHERE id = :b"), {"a": a, "b": b})
        conn.execute(text("UPDATE audit_events SET id = :b WHERE id = -1"), {"b": b})

    code, lines = _verify(app)
    assert code == 1
    assert lines == [f"Expediente {case['number']}, eslabón 2 (evento {b}): el evento fue alterado "
                     "(su contenido no coincide con su sello)."]


def test_swapping_links_is_detected(app: Flask, case: dict[str, Any]) -> None:
    a, b = case["events"][1], case["events"][2]
    with _as_the_attacker(app) as conn:
        conn.execute(text("UPDATE audit_events SET seq = -seq WHERE id IN (:a, :b)"), {"a": a, "b": b})
        conn.execute(text("UPDATE audit_events SET seq = 5 + seq WHERE id IN (:a, :b)"), {"a": a, "b": b})

    code, lines = _verify(app)
    assert code == 1
    assert lines == [f"Expediente {case['number']}, eslabón 2 (evento {b}): no sigue al eslabón anterior "
                     "(eslabones reordenados o reemplazados)."]


def test_the_background_work_signs_a_checkpoint_on_schedule(app: Flask, case: dict[str, Any]) -> None:
    rt = _runtime_of(app)
    clock = [T0]
    rt.clock = lambda: clock[0]

    def cycle() -> None:
        with app.app_context():
            ctx = rt.engine_context()
            run_due_work(ctx, lambda: unit_of_work(ctx.after_commit))
            db.session.remove()

    cycle()
    assert _checkpoints(app) == 1
    with app.app_context():
        with unit_of_work():
            audit.record("prueba", "tests", instance_id=case["id"])
        db.session.remove()
    clock[0] = T0 + timedelta(minutes=59)
    cycle()
    assert _checkpoints(app) == 1  # not due yet
    clock[0] = T0 + timedelta(minutes=61)
    cycle()
    assert _checkpoints(app) == 2
    clock[0] = T0 + timedelta(minutes=130)
    cycle()
    assert _checkpoints(app) == 2  # nothing changed since the last one
    code, lines = _verify(app)
    assert code == 0, lines
    assert "último punto de control del 02/03/2026 10:01" in lines[0]  # 13:01 UTC in Tucumán


def test_a_checkpoint_signed_with_another_key_is_refused(make_app: Callable[..., Flask],
                                                         case: dict[str, Any], app: Flask) -> None:
    _checkpoint(app)
    other = make_app(SECRET_KEY="otra-clave")
    code, lines = _verify(other)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("Punto de control del ")
    assert lines[0].endswith(": la firma no es válida (documento alterado o clave distinta).")


def test_concurrent_events_of_one_case_form_one_chain(app: Flask, case: dict[str, Any]) -> None:
    writers = 8
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                with unit_of_work():
                    audit.record("prueba", f"hilo-{index}", instance_id=case["id"])
                    audit.record("prueba", f"hilo-{index}")  # the system chain too
                db.session.remove()
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        seqs = list(db.session.scalars(select(AuditEvent.seq).where(AuditEvent.chain == case["id"])
                                       .order_by(AuditEvent.seq)))
        db.session.remove()
    assert seqs == list(range(1, len(case["events"]) + writers + 1))
    code, lines = _verify(app)
    assert code == 0, lines


def test_events_committed_while_verifying_are_no_alarm(app: Flask, case: dict[str, Any],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A step commits between the walk and the reading of the heads: its chain is walked again."""
    read_heads = verification._heads
    written: list[bool] = []

    def heads_after_a_step(chain: str | None = None) -> dict[str, tuple[int, str]]:
        if not written:
            written.append(True)
            thread = threading.Thread(target=_record_elsewhere, args=(app, case["id"]))
            thread.start()
            thread.join(timeout=60)
        return read_heads(chain)

    monkeypatch.setattr(verification, "_heads", heads_after_a_step)
    with app.app_context():
        rt = runtime()
        report = verification.verify(rt.documents.store, rt.audit_key())
        db.session.remove()
    assert written and report.intact, report.problems
    # the case's, the system's (the token, the deployment) and the one committed meanwhile
    assert (report.events, report.chains) == (len(case["events"]) + 3, 2)


def _record_elsewhere(app: Flask, instance_id: str) -> None:
    with app.app_context():
        with unit_of_work():
            audit.record("prueba", "otro-proceso", instance_id=instance_id)
        db.session.remove()


def test_events_of_a_savepoint_rolled_back_leave_no_gap(app: Flask, case: dict[str, Any]) -> None:
    with app.app_context():
        with unit_of_work():
            audit.record("antes", "tests", instance_id=case["id"])
            savepoint = db.session.begin_nested()
            audit.record("descartado", "tests", instance_id=case["id"])
            db.session.flush()
            savepoint.rollback()
            audit.record("despues", "tests", instance_id=case["id"])
        types = list(db.session.scalars(select(AuditEvent.type).where(AuditEvent.chain == case["id"])
                                        .order_by(AuditEvent.seq)))
        db.session.remove()
    assert types[-2:] == ["antes", "despues"]
    code, lines = _verify(app)
    assert code == 0, lines


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of the same backend as ``database_url``, with nothing in it yet."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'anterior.db'}"
        return
    server = make_url(request.getfixturevalue("postgres_server_url")).set(drivername="postgresql+psycopg")
    name = f"tramites_anterior_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_events_stored_before_the_upgrade_are_chained_by_it(empty_database: str, tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": empty_database, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret"})
    legacy = table("audit_events", column("instance_id"), column("task_id"), column("actor"),
                   column("at", UTCDateTime()), column("type"), column("element_id"), column("data", JSON()))
    case_id = "0d6f2a52-5b6e-4c1e-9a57-1f0c8d3e2b11"
    try:
        with app.app_context():
            upgrade(revision=BEFORE_CHAINS)
            with db.engine.begin() as conn:
                conn.execute(insert(legacy), [
                    {"instance_id": None, "task_id": None, "actor": "cli", "at": T0, "type": "deployed",
                     "element_id": None, "data": {"key": "tramite_simple", "version": 1}},
                    {"instance_id": case_id, "task_id": None, "actor": "Ana", "at": T0 + timedelta(seconds=1),
                     "type": "instance_started", "element_id": None, "data": {"número": "EX-1", "lista": [1, 2.5]}},
                    {"instance_id": case_id, "task_id": "t-1", "actor": "sistema", "at": T0 + timedelta(seconds=2),
                     "type": "task_created", "element_id": "revisar", "data": {}},
                ])
            upgrade()
        code, lines = _verify(app)
        assert (code, lines) == (0, ["Registro de auditoría íntegro: 3 eventos en 2 cadenas, "
                                     "sin puntos de control todavía."])
        with app.app_context():
            with unit_of_work():
                audit.record("task_claimed", "Beto", instance_id=case_id, task_id="t-1")
            assert db.session.scalar(select(AuditEvent.seq).where(AuditEvent.type == "task_claimed")) == 3
            db.session.remove()
        code, lines = _verify(app)
        assert (code, lines) == (0, ["Registro de auditoría íntegro: 4 eventos en 2 cadenas, "
                                     "sin puntos de control todavía."])
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _runtime_of(app: Flask) -> Any:
    with app.app_context():
        return runtime()


def _checkpoints(app: Flask) -> int:
    with app.app_context():
        count = len(db.session.scalars(select(AuditCheckpoint.id)).all())
        db.session.remove()
    return count


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

