"""Load test: a city's morning on gunicorn and PostgreSQL, driven by Locust at several loads.

Run as ``.venv/bin/python bench/load.py`` (``make bench``); ``--quick`` for a short run.

It creates a throw-away PostgreSQL database (``TRAMITES_TEST_DATABASE_URL``'s server), runs
``tramites init`` on it (the sample procedures and the demo users), seeds more citizens and
clerks and an API token, and starts gunicorn on a free port. Then, for each offered load (a
number of simultaneous users), it runs ``locust --headless`` with ``bench/load_users.py``
(citizens, staff, supervisors, integrations), each step bounded in time (``--seconds``) and
in requests (``--max-requests``), after an unreported warm-up. It prints, per step, the
throughput and p50/p95/p99 of every kind of request, a summary against offered load, and
writes the plot ``bench/results/load.png`` (p50 and p95 against users) and Locust's CSVs.

Locust runs in its own process (gevent's monkey-patching stays there), and so does the
platform (gunicorn); the load average printed with each step says how busy the machine was.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import throwaway_postgres  # bench/common.py, beside this script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "results"
USERS_FILE = HERE / "load_users.py"
CITIZENS, STAFF = 40, 12
PASSWORD = "carga-clave-segura"  # noqa: S105  (accounts of a throw-away database)
PERCENTILES = ("50%", "95%", "99%")
# The plot's lines: all requests together and one kind per audience (the table has every kind).
PLOTTED = ("Aggregated", "ciudadano: iniciar", "ciudadano: ver expediente", "personal: completar",
           "supervisión: tablero", "API: iniciar", "API: consultar instancia")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short steps at two loads (a smoke run)")
    parser.add_argument("--users", help="offered loads, comma-separated (default 10,25,50; quick 5,15)")
    parser.add_argument("--seconds", type=int, help="length of each step (default 60; quick 15)")
    parser.add_argument("--max-requests", type=int, default=20000, help="a step stops after this many requests")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn web workers")
    args = parser.parse_args(argv)
    args.users = [int(n) for n in (args.users or ("5,15" if args.quick else "10,25,50")).split(",")]
    args.seconds = args.seconds or (15 if args.quick else 60)
    return args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def platform_env(database_url: str, instance: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "TRAMITES_DATABASE_URL": database_url,
            "TRAMITES_INSTANCE_PATH": instance, "TRAMITES_SECRET_KEY": "banco-de-carga"}


def prepare(env: dict[str, str], port: int) -> dict[str, str]:
    """``tramites init``, then the accounts and the token the users sign in with (``LOAD_*`` variables)."""
    init = subprocess.run([str(BIN / "tramites"), "init", "--port", str(port)], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    if init.returncode:  # its migration log is noise unless it failed
        raise SystemExit(f"tramites init falló:\n{init.stdout}{init.stderr}")
    seeded = subprocess.run([sys.executable, "-c", SEED, str(CITIZENS), str(STAFF), PASSWORD], env=env, cwd=ROOT,
                            check=True, capture_output=True, text=True)
    citizens = ",".join(f"vecino{n:02d}" for n in range(CITIZENS))
    staff = ",".join(f"operador{n:02d}" for n in range(STAFF))
    return {"LOAD_CITIZENS": f"{citizens}:{PASSWORD}", "LOAD_STAFF": f"{staff}:{PASSWORD}",
            "LOAD_SUPERVISORS": "supervisora:demo-supervisora", "LOAD_TOKEN": seeded.stdout.strip().splitlines()[-1]}


# Runs in a child with the platform's settings, so that this process never builds the app.
SEED = """
import sys
from engine.identity import tokens
from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from wsgi import create_app

citizens, staff, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with create_app().app_context(), unit_of_work():
    for n in range(citizens):
        ensure_user(f"vecino{n:02d}", display_name=f"Vecino {n}", password=password,
                    email=f"vecino{n:02d}@example.com", roles=("citizen",))
    for n in range(staff):
        ensure_user(f"operador{n:02d}", display_name=f"Operador {n}", password=password,
                    email=f"operador{n:02d}@smt.gob.ar", roles=("staff",), groups=("alumbrado",))
    _, secret = tokens.create("banco-de-carga", ["start", "read"], "bench")
print(secret)
"""


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> Iterator[str]:
    """A gunicorn of ``workers`` sync workers on ``port``; its URL once it answers."""
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        server = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                   "--timeout", "120", "wsgi:app"], env=env, cwd=ROOT, stdout=out, stderr=out)
        try:
            wait_until_up(url, server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_until_up(url: str, server: subprocess.Popen[Any], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn terminó con código {server.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310  (our own loopback server)
                return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn no respondió en {seconds:.0f} s")


def run_step(url: str, users: int, seconds: int, max_requests: int, accounts: dict[str, str],
             prefix: Path) -> list[dict[str, str]]:
    """One Locust run at ``users`` simultaneous users; the rows of its ``_stats.csv``."""
    env = {**os.environ, **accounts, "LOAD_MAX_REQUESTS": str(max_requests)}
    with open(f"{prefix}.log", "w", encoding="utf-8") as log:  # Locust's own summary and any error
        subprocess.run([str(BIN / "locust"), "-f", str(USERS_FILE), "--headless", "--host", url,
                        "-u", str(users), "-r", str(max(users / 5, 1)), "-t", f"{seconds}s", "--stop-timeout", "10",
                        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                       env=env, cwd=ROOT, check=False, stdout=log, stderr=log)
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as stats:
        return list(csv.DictReader(stats))


def print_step(users: int, rows: list[dict[str, str]], load: float) -> None:
    print(f"\n{users} usuarios (carga del sistema {load:.1f})")
    print(f"{'solicitud':38} {'n':>6} {'fallas':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in rows:
        name = "TOTAL" if row["Name"] == "Aggregated" else row["Name"]
        print(f"{name:38} {row['Request Count']:>6} {row['Failure Count']:>6} {float(row['Requests/s']):7.1f} "
              + " ".join(f"{row[p]:>7}" for p in PERCENTILES))


def plot(summary: dict[int, list[dict[str, str]]], path: Path) -> None:
    """p50 and p95 of all requests together and of the :data:`PLOTTED` kinds, against offered load."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display here
    from matplotlib import pyplot

    loads = sorted(summary)
    names = [name for name in PLOTTED if any(row["Name"] == name for rows in summary.values() for row in rows)]
    figure, (latency, throughput) = pyplot.subplots(1, 2, figsize=(14, 6))
    for colour, name in enumerate(names):
        points = [(u, row) for u in loads for row in summary[u] if row["Name"] == name]
        xs = [u for u, _ in points]
        line = latency.plot(xs, [_ms(r["50%"]) for _, r in points], marker="o", color=f"C{colour}",
                            linewidth=3 if name == "Aggregated" else 1.5, label=_label(name))[0]
        latency.plot(xs, [_ms(r["95%"]) for _, r in points], linestyle="--", color=line.get_color())
        if name == "Aggregated":
            throughput.plot(xs, [float(r["Requests/s"]) for _, r in points], marker="o")
    latency.set(xlabel="usuarios simultáneos (carga ofrecida)", ylabel="ms (continua p50, punteada p95)",
                yscale="log", title="Latencia por tipo de solicitud")
    latency.legend(fontsize=8)
    throughput.set(xlabel="usuarios simultáneos (carga ofrecida)", ylabel="solicitudes/s",
                   title="Rendimiento (todas las solicitudes)", ylim=(0, None))
    figure.tight_layout()
    figure.savefig(path)


def _ms(value: str) -> float:
    """A percentile of Locust's CSV; "N/A" (no request of that kind) leaves a gap in the line."""
    try:
        return float(value)
    except ValueError:
        return float("nan")


def _label(name: str) -> str:
    return "TOTAL" if name == "Aggregated" else name


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    database = throwaway_postgres()
    if database is None:
        return
    url, drop = database
    RESULTS.mkdir(exist_ok=True)
    port = free_port()
    summary: dict[int, list[dict[str, str]]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="tramites-carga-") as instance:
            env = platform_env(url, instance)
            accounts = prepare(env, port)
            with gunicorn(env, port, args.workers, RESULTS / "load_gunicorn.log") as server:
                print(f"gunicorn ({args.workers} workers) en PostgreSQL; pasos de {args.seconds} s "
                      f"o {args.max_requests} solicitudes; usuarios: {args.users}")
                run_step(server, args.users[0], max(args.seconds // 3, 5), args.max_requests, accounts,
                         RESULTS / "load_warmup")
                for users in args.users:
                    rows = run_step(server, users, args.seconds, args.max_requests, accounts,
                                    RESULTS / f"load_{users}u")
                    summary[users] = rows
                    print_step(users, rows, os.getloadavg()[0])
    finally:
        drop()
    print_summary(summary)
    plot(summary, RESULTS / "load.png")
    print(f"\nGráfico: {RESULTS / 'load.png'}")


def print_summary(summary: dict[int, list[dict[str, str]]]) -> None:
    print(f"\n{'usuarios':>8} {'req/s':>7} {'fallas':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for users, rows in sorted(summary.items()):
        total = next(row for row in rows if row["Name"] == "Aggregated")
        print(f"{users:>8} {float(total['Requests/s']):7.1f} {total['Failure Count']:>6} "
              + " ".join(f"{total[p]:>7}" for p in PERCENTILES))


if __name__ == "__main__":
    main(sys.argv[1:])
