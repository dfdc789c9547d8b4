"""What the benchmarks share: throw-away databases, a gunicorn server, CPU and load figures, an API client."""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy import make_url

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the worktree's platform, not whichever one is installed
    sys.path.insert(0, str(ROOT))


def throwaway_postgres() -> tuple[str, Callable[[], None]] | None:
    """Create an empty database on ``TRAMITES_TEST_DATABASE_URL``'s server.

    :return: its SQLAlchemy URL and the callable that drops it, or ``None`` (said in one line)
        when the server does not answer.
    """
    admin = os.environ.get("TRAMITES_TEST_DATABASE_URL", PG_DEFAULT)
    libpq = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"tramites_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(libpq, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as e:
        print(f"(PostgreSQL no disponible en {admin}: {e}; se omite)")
        return None

    def drop() -> None:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return make_url(admin).set(drivername="postgresql+psycopg", database=name).render_as_string(False), drop


def median_p95(action: Callable[[], Any], runs: int, *, warmup: int = 1,
               clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """Median and 95th percentile of ``runs`` calls of ``action`` in milliseconds, after ``warmup`` calls.

    Pass ``clock=time.process_time`` to count CPU time, which other jobs on a shared machine
    do not inflate.
    """
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        began = clock()
        action()
        times.append((clock() - began) * 1000)
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


# --- a real server and what it costs ------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    """The one-minute load average: printed next to each figure, because the machine is shared."""
    return os.getloadavg()[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def prepared_database(kind: str, folder: str) -> Iterator[tuple[str, str] | None]:
    """A migrated database of ``kind`` (``sqlite``: WAL, full sync) and an admin API token.

    :return: the database URL and the token, or ``None`` when PostgreSQL does not answer.
    """
    from flask_migrate import upgrade

    from engine.db import db
    from engine.identity import tokens
    from engine.uow import unit_of_work
    from wsgi import create_app

    cleanup = None
    if kind == "sqlite":
        url = f"sqlite:///{folder}/bench.db"
    else:
        made = throwaway_postgres()
        if made is None:
            yield None
            return
        url, cleanup = made
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench", "TESTING": True})
    try:
        with app.app_context():
            upgrade()
            with unit_of_work():
                _, secret = tokens.create("bench", ["admin"], "bench")
            db.session.remove()
            db.engine.dispose()
        yield url, secret
    finally:
        if cleanup is not None:
            cleanup()


@contextmanager
def gunicorn(url: str, folder: str, workers: int = 1, threads: int = 1,
             extra_env: dict[str, str] | None = None, app: str = "wsgi:app",
             config: Path | None = None) -> Iterator[tuple[str, int]]:
    """Serve the platform with gunicorn on a free port, as the production recipe does (``wsgi:app``).

    ``app`` serves another WSGI target with the same settings (the bench's floor app); it must
    answer ``/healthz``. ``config`` is a gunicorn settings file (``deploy/gunicorn.conf.py``);
    the server's output goes to ``gunicorn-<port>.log`` in ``folder``.

    :return: the base URL and the master's pid (its children are the workers).
    """
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRAMITES_DATABASE_URL": url, "TRAMITES_INSTANCE_PATH": folder,
           "TRAMITES_SECRET_KEY": "bench-secret-key", **(extra_env or {})}
    base = f"http://127.0.0.1:{port}"
    with open(Path(folder) / f"gunicorn-{port}.log", "wb") as log:
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), *(["-c", str(config)] if config else []),
             "-w", str(workers), "--threads", str(threads),
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(base, server, workers)
            yield base, server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_ready(base: str, server: subprocess.Popen[bytes], workers: int) -> None:
    """Until the server answers and every worker has booted (each builds the app when it starts)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn terminó con código {server.returncode}")
        try:
            if len(worker_pids(server.pid)) >= workers and all(
                    requests.get(base + "/healthz", timeout=60).ok for _ in range(2 * workers)):
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn no respondió en {base}")


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except FileNotFoundError:
        return []


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (``/proc/<pid>/stat``; psutil is not in the lock)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime after the name
    return seconds


def postgres_backends(url: str) -> list[int]:
    """Pids of the PostgreSQL backends serving ``url``'s database (same machine)."""
    parsed = make_url(url)
    libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            (parsed.database,)).fetchall()
    return [row[0] for row in rows]


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot (``/proc/stat``, idle and iowait out)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


class CpuMeter:
    """CPU seconds spent by groups of processes between :meth:`start` and :meth:`stop`.

    A process that appears in between counts from zero; one that ends in between is lost
    (gunicorn workers and pooled backends live through a measurement).
    """

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self._groups = groups
        self._before: dict[str, dict[int, float]] = {}

    def start(self) -> None:
        self._before = {name: cpu_seconds(find()) for name, find in self._groups.items()}
        self._machine = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        """CPU seconds per group, and under ``otros`` what the rest of the machine spent meanwhile."""
        machine = machine_busy_seconds() - self._machine
        spent = {}
        for name, find in self._groups.items():
            now, before = cpu_seconds(find()), self._before.get(name, {})
            spent[name] = sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())
        spent["otros"] = max(machine - sum(spent.values()), 0.0)
        return spent


# --- the platform's REST API, as an integration calls it ------------------------------------------

class ApiClient:
    """One client of the REST API over HTTP (a ``requests.Session``: keep-alive, as integrations do)."""

    def __init__(self, base: str, secret: str) -> None:
        self.base = base + "/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {secret}"

    def deploy(self, key: str, bpmn: str) -> None:
        files = [("files", (f"{key}.bpmn", bpmn.encode())),
                 ("files", ("manifest.yaml", f"key: {key}\nname: {key}\n".encode()))]
        response = self.session.post(self.base + "/deployments", files=files, timeout=60)
        assert response.status_code in (200, 201), response.text

    def start(self, key: str, data: dict[str, Any]) -> tuple[str, list[str] | None]:
        """Start a case: its id, and the ready tasks when the answer carries them."""
        response = self.session.post(f"{self.base}/processes/{key}/instances", json={"data": data}, timeout=60)
        assert response.status_code == 201, response.text
        body = response.json()
        return body["id"], answered_tasks(body)

    def ready_tasks(self, instance_id: str) -> list[str]:
        """The GET a client needs to find the next task."""
        response = self.session.get(f"{self.base}/instances/{instance_id}", timeout=60)
        assert response.status_code == 200, response.text
        return [task["id"] for task in response.json()["tasks"] if task.get("status", "ready") == "ready"]

    def complete(self, task_id: str, data: dict[str, Any]) -> list[str] | None:
        """Complete a task: the tasks that became ready, when the answer carries them."""
        response = self.session.post(f"{self.base}/tasks/{task_id}/complete", json={"data": data}, timeout=60)
        assert response.status_code == 200, response.text
        return answered_tasks(response.json())


#: Where an answer may list the tasks that became ready (issue #20 asks for it; main lacks it).
NEXT_TASK_KEYS = ("next_tasks", "ready_tasks", "tasks")


def answered_tasks(body: dict[str, Any]) -> list[str] | None:
    """Ids of the ready tasks an answer lists, or ``None`` when it lists none (then the client GETs)."""
    for key in NEXT_TASK_KEYS:
        if isinstance(body.get(key), list):
            return [task["id"] if isinstance(task, dict) else str(task) for task in body[key]]
    return None


def mark(value: float, target: float, *, at_most: bool = False) -> str:
    """A target next to its figure: ``≥ 0.35 ✓``."""
    met = value <= target if at_most else value >= target
    return f"{'≤' if at_most else '≥'} {target:g} {'✓' if met else '✗'}"
