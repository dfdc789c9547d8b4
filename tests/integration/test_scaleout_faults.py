"""Scale-out under faults: two web nodes and two Celery workers on PostgreSQL, S3 and Redis.

The platform runs as production does, in child processes: two gunicorn servers
(``wsgi:app``) and two ``tramites worker`` (one with the beat schedule), on a fresh PostgreSQL
database, moto's S3 server and Redis as the broker; e-mail goes to a real SMTP server.
Client threads drive cases of ``tests/data/bundles/escala_fallas`` over the REST API (start,
complete the review, a timer, a payment message, two e-mails each; a reclamo with a photo
through the public form every third case) while the test SIGKILLs a web worker three times
(while it serves) and a Celery worker three times (the beat's node once), restarting each.
Then: every case finished once, with each step, timer and message applied exactly once, every
e-mail delivered exactly once, every photo stored whole, case numbers without gaps and the
audit trail whole (``tramites audit verify``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from sqlalchemy import create_engine, text

from storage import open_storage
from tests.fixtures.cluster import ROOT, CeleryNode, WebServer, platform_env, run_command
from tests.fixtures.database import created_database
from tests.fixtures.engine import BUNDLES
from tests.fixtures.parallel import SEPARATE
from tests.fixtures.require import missing_service
from tests.fixtures.s3 import S3Server, fresh_bucket_name
from tests.fixtures.smtp import SmtpServer
from tests.integration.scaleout_workload import Integration, Traffic, run_case

# Four servers and their clients against a time limit: under xdist, never beside the portal walk
# (tests/fixtures/parallel.py).
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group(SEPARATE)]

#: A Redis database of its own: the workers' queues must not meet other tests' tasks.
BROKER = "redis://127.0.0.1:6379/13"
CASES = 36
CLIENTS = 4
#: After how many started cases each fault strikes: a web node's worker, or a Celery node.
FAULTS = ((5, "web", 0), (9, "celery", 1), (14, "web", 1), (19, "celery", 0), (25, "web", 0), (30, "celery", 1))
#: Elements every case passes through exactly once.
ELEMENTS = ("inicio", "revisar", "avisar_inicio", "esperar", "tras_espera", "esperar_pago", "registrar",
            "avisar_fin", "fin")
#: A lost deliver task waits for the outbox's hand-over time (60 s), then the beat's due work sends it.
SETTLE_SECONDS = 150


@dataclass
class Cluster:
    env: dict[str, str]
    folder: Path
    database_url: str
    storage_url: str
    web: list[WebServer]
    celery: list[CeleryNode]
    token: str


@pytest.fixture
def broker() -> Iterator[str]:
    client = redis.Redis.from_url(BROKER, socket_timeout=3)
    try:
        client.flushdb()  # tasks a killed worker of an earlier run left unacknowledged
    except redis.RedisError as e:
        missing_service(f"Redis does not answer at {BROKER}: {e}")
    yield BROKER
    client.flushdb()
    client.close()


@pytest.fixture
def cluster(postgres_server_url: str, s3_server: S3Server, smtp_server: SmtpServer, broker: str,
            tmp_path: Path) -> Iterator[Cluster]:
    smtp_server.clear()
    with created_database(postgres_server_url) as url:
        settings = {"DATABASE_URL": url, "STORAGE_URL": s3_server.url(fresh_bucket_name()), "BROKER_URL": broker,
                    "SECRET_KEY": "clave-de-la-prueba-de-escala", "INSTANCE_PATH": str(tmp_path / "instance"),
                    "TRUSTED_PROXIES": "127.0.0.1",  # the neighbours' addresses come in X-Forwarded-For
                    "SMTP_HOST": smtp_server.host, "SMTP_PORT": str(smtp_server.port),
                    "MAIL_FROM": "Trámites SMT <no-responder@smt.gob.ar>"}
        env = platform_env(settings)
        _operator(env, tmp_path, "db", "upgrade")  # the schema; the test deploys only what it drives
        token = _operator(env, tmp_path, "token", "create", "--name", "integracion-escala", "--scope", "admin")
        web = [WebServer(f"web-{n}", env, tmp_path) for n in range(2)]
        celery = [CeleryNode(f"celery-{n}", env, tmp_path, beat=n == 0) for n in range(2)]
        nodes: list[WebServer | CeleryNode] = [*web, *celery]
        try:
            for node in nodes:  # booted side by side: each builds the app
                node.launch()
            for node in nodes:
                node.wait_ready()
            yield Cluster(env, tmp_path, url, settings["STORAGE_URL"], web, celery, token.splitlines()[-1].strip())
        finally:
            for node in nodes:  # stopped side by side, as they were started
                node.terminate()
            for node in nodes:
                node.stop()


def _operator(env: dict[str, str], folder: Path, *args: str) -> str:
    done = run_command(env, folder, *args)
    assert done.returncode == 0, f"tramites {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.timeout(600)  # setup included: 105 s alone on two idle cores, 300 s beside the other worker's browsers
def test_cases_survive_killed_web_and_celery_workers(cluster: Cluster, smtp_server: SmtpServer) -> None:
    began = time.monotonic()
    traffic = Traffic([server.url for server in cluster.web])
    for bundle in (BUNDLES / "escala_fallas", ROOT / "processes" / "reclamo"):
        deploy, _ = Integration(traffic, cluster.token, 0).send("POST", "/api/v1/deployments", files=_bundle(bundle))
        assert deploy.status_code == 201, deploy.text

    numbers, faults = _drive(cluster, traffic)

    assert len(faults) == len(FAULTS), faults
    celery_faults = Counter(which for _, kind, which in FAULTS if kind == "celery")
    assert [node.starts for node in cluster.celery] == [1 + celery_faults[n] for n in range(2)]
    assert traffic.retried["connection"] >= 1, f"no fault cut a request in flight: {dict(traffic.retried)}"
    engine = create_engine(cluster.database_url)
    try:
        with engine.connect() as db:
            assert _settled(db), "cases or e-mails still pending after the faults"
            cases = _cases(db)
            _check_case_numbers(cases, numbers)
            _check_each_step_once(db, cases)
            _check_nothing_left_behind(db, cases)
            _check_mail_once(db, cases, smtp_server)
            _check_photos(db, cluster.storage_url, traffic)
    finally:
        engine.dispose()
    verified = run_command(cluster.env, cluster.folder, "audit", "verify")
    assert verified.returncode == 0 and "íntegro" in verified.stdout, verified.stdout + verified.stderr
    health = run_command(cluster.env, cluster.folder, "check")  # the image's HEALTHCHECK (deploy/Dockerfile)
    assert health.returncode == 0 and health.stdout.count(" OK ") >= 3, health.stdout + health.stderr
    print(f"faults {faults}, client retries {dict(traffic.retried)}, e-mails received {len(smtp_server.received)}, "
          f"{time.monotonic() - began:.0f} s")
    assert time.monotonic() - began < 280


def _bundle(folder: Path) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", (str(p.relative_to(folder)), p.read_bytes())) for p in sorted(folder.rglob("*")) if p.is_file()]


def _drive(cluster: Cluster, traffic: Traffic) -> tuple[list[str], list[str]]:
    """Run :data:`CASES` cases in :data:`CLIENTS` threads while :func:`_strike` kills nodes."""
    numbers: list[str] = []
    errors: list[BaseException] = []
    pending = list(range(1, CASES + 1))
    lock = threading.Lock()

    def client(first_node: int) -> None:
        integration = Integration(traffic, cluster.token, first_node)
        while True:
            with lock:
                if not pending or errors:
                    return
                index = pending.pop(0)
            try:
                number = run_case(integration, index)
            except BaseException as e:  # reported by the main thread, with its traceback
                errors.append(e)
                return
            with lock:
                numbers.append(number)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    faults = _strike(cluster, traffic, lambda: bool(errors))
    for thread in threads:
        thread.join(timeout=240)
    if errors:
        raise errors[0]
    assert len(numbers) == CASES
    return numbers, faults


def _strike(cluster: Cluster, traffic: Traffic, failed: Callable[[], bool]) -> list[str]:
    """Deliver :data:`FAULTS` as the workload reaches each threshold; restart what was killed."""
    done = []
    for threshold, kind, which in FAULTS:
        while traffic.started < threshold and not failed():
            time.sleep(0.05)
        if failed():
            break
        if kind == "web":
            server = cluster.web[which]
            _wait_until(lambda s=server: traffic.busy(s.url), 10)  # kill it while it serves
            killed = server.kill_worker()
            server.wait_for_new_worker(killed)  # its master starts another, as in production
        else:
            node = cluster.celery[which]
            node.kill()
            node.start()
        done.append(f"{kind}-{which}")
    return done


def _wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False


def _settled(db: Any) -> bool:
    def done() -> bool:
        open_cases = db.execute(text("SELECT count(*) FROM instances "
                                     "WHERE process_key = 'escala_fallas' AND status <> 'completed'")).scalar()
        unsent = db.execute(text("SELECT count(*) FROM outbox WHERE status <> 'sent'")).scalar()
        db.rollback()
        return open_cases == 0 and unsent == 0

    return _wait_until(done, SETTLE_SECONDS)


def _cases(db: Any) -> dict[str, dict[str, Any]]:
    rows = db.execute(text("SELECT id, number, status, data FROM instances WHERE process_key = 'escala_fallas'"))
    return {row.id: {"number": row.number, "status": row.status, "data": row.data} for row in rows}


def _numbers(family: str, count: int) -> list[str]:
    year = datetime.now(ZoneInfo("America/Argentina/Tucuman")).year
    return [f"EX-{year}-{n:06d}-SMT-{family}" for n in range(1, count + 1)]


def _check_case_numbers(cases: dict[str, dict[str, Any]], answered: list[str]) -> None:
    """One case per start (the retried ones included), numbered 1…N without a gap."""
    expected = _numbers("ESC", CASES)
    assert sorted(case["number"] for case in cases.values()) == expected
    assert sorted(answered) == expected


def _check_each_step_once(db: Any, cases: dict[str, dict[str, Any]]) -> None:
    """Each element, the review, the timer and the payment exactly once per case."""
    events = db.execute(text("SELECT e.instance_id, e.type, e.element_id FROM audit_events e "
                             "JOIN instances i ON i.id = e.instance_id WHERE i.process_key = 'escala_fallas'"))
    seen: dict[str, Counter[tuple[str, str | None]]] = {case_id: Counter() for case_id in cases}
    for row in events:
        seen[row.instance_id][(row.type, row.element_id)] += 1
    for case_id, case in cases.items():
        index = int(case["data"]["nombre"].split()[-1])
        assert case["status"] == "completed"
        assert (case["data"]["esperas"], case["data"]["pagos"], case["data"]["importe"]) == (1, 1, index), case
        counted = seen[case_id]
        once = [("element_completed", element) for element in ELEMENTS] + [
            ("task_completed", "revisar"), ("instance_started", None), ("instance_completed", None),
            ("message_received", None)]
        assert {key: counted[key] for key in once} == dict.fromkeys(once, 1), (case["number"], counted)


def _check_nothing_left_behind(db: Any, cases: dict[str, dict[str, Any]]) -> None:
    """No incident (no step failed), and every payment kept for a case not yet waiting reached it."""
    incidents = db.execute(text("SELECT count(*) FROM incidents")).scalar()
    kept = list(db.execute(text("SELECT message_id, delivered_at, instance_id FROM buffered_messages")))
    assert incidents == 0
    assert kept, "no payment arrived before its case waited for it: the kept path went untried"
    assert all(row.delivered_at is not None and row.instance_id in cases for row in kept)
    assert len({row.instance_id for row in kept}) == len(kept)


def _check_mail_once(db: Any, cases: dict[str, dict[str, Any]], smtp_server: SmtpServer) -> None:
    """Two e-mails per case in the outbox, sent; the SMTP server got each as one message.

    A Celery worker killed between the SMTP server's answer and the mark sends that e-mail
    again, with the same Message-ID (the outbox's delivery id): one message, shown once.
    """
    rows = list(db.execute(text("SELECT id, instance_id, status, created_at FROM outbox")))
    assert len(rows) == 2 * CASES and {row.status for row in rows} == {"sent"}
    assert Counter(row.instance_id for row in rows) == dict.fromkeys(cases, 2)
    by_message: dict[str, set[str]] = {}
    for mail in smtp_server.received:
        by_message.setdefault(str(mail.message["Message-ID"]), set()).add(str(mail.message["Subject"]))
    expected = {f"<tramites.{row.id}.{int(row.created_at.timestamp() * 1_000_000)}@smt.gob.ar>" for row in rows}
    assert set(by_message) == expected
    assert all(len(subjects) == 1 for subjects in by_message.values())
    subjects = Counter(subject for found in by_message.values() for subject in found)
    for case in cases.values():
        for subject in (f"Iniciamos su trámite {case['number']}: Prueba de escala",
                        f"Finalizó su trámite {case['number']}: Prueba de escala"):
            assert subjects[subject] == 1, (subject, subjects[subject])
    resent = len(smtp_server.received) - len(by_message)  # at most the two tasks each killed worker ran
    assert resent <= 2 * sum(kind == "celery" for _, kind, _ in FAULTS), resent


def _check_photos(db: Any, storage_url: str, traffic: Traffic) -> None:
    """Every photo sent is a document of a reclamo, stored whole in S3; reclamos numbered without a gap.

    A submission cut mid-way and sent again may have opened a second reclamo with the same photo.
    """
    rows = list(db.execute(text(
        "SELECT i.number, d.title, d.sha256, d.size, d.storage_key FROM instances i "
        "LEFT JOIN documents d ON d.instance_id = i.id WHERE i.process_key = 'reclamo' ORDER BY i.number")))
    sent_again = traffic.retried["reclamo sent again"]
    assert len(traffic.photos) <= len(rows) <= len(traffic.photos) + sent_again, (len(rows), sent_again)
    assert [row.number for row in rows] == _numbers("REC", len(rows))
    assert {row.title for row in rows} == {"Foto 1 del reclamo"}
    assert {row.sha256 for row in rows} == set(traffic.photos)
    store = open_storage(storage_url)
    try:
        for row in rows:
            with store.get(row.storage_key) as stored:
                content = stored.read()
            assert len(content) == row.size and hashlib.sha256(content).hexdigest() == row.sha256, row.number
    finally:
        store.close()
