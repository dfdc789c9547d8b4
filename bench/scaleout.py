"""Scale-out benchmark: task completions per second with 1, 2 and 4 gunicorn workers on PostgreSQL.

Run as ``.venv/bin/python bench/scaleout.py [--quick]`` (``make bench``). Three servers (1, 2
and 4 sync workers) serve one throw-away PostgreSQL database; in each round every server gets
the same load in turn (the order rotates from round to round): ``CLIENTS`` threads, each an
integration completing the tasks of 10-task cases (lookup + POST, a start when a case ends),
for ``SECONDS`` seconds. Background work runs where production runs it: the servers get a
Redis broker (database 11 of ``TRAMITES_BENCH_REDIS``, default ``redis://127.0.0.1:6379``) and
one Celery worker with the beat schedule runs beside them; without Redis they do without.

Each measurement prints the CPU seconds that the server's workers, the database's PostgreSQL
backends, the Celery worker and this load generator spent in it (``/proc/<pid>/stat``), and
their sum against what the machine's cores could give: when the curve flattens, that says who
took the cores.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis
from common import (
    ROOT,
    ApiClient,
    CpuMeter,
    gunicorn,
    load_average,
    mark,
    postgres_backends,
    prepared_database,
    worker_pids,
)
from parts.chain import HttpChain, chain_bpmn

QUICK = "--quick" in sys.argv
ROUNDS = 2 if QUICK else 3
SECONDS = 8.0 if QUICK else 20.0
CLIENTS = 8  # threads: enough to keep four sync workers busy
WORKERS = (1, 2, 4)
KEY = "cadena10"
REDIS = os.environ.get("TRAMITES_BENCH_REDIS", "redis://127.0.0.1:6379")


@contextmanager
def celery_worker(url: str, folder: str, broker: str) -> Iterator[int]:
    """``tramites worker --beat`` on ``broker``: the background work's process; its pid."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRAMITES_DATABASE_URL": url, "TRAMITES_INSTANCE_PATH": folder,
           "TRAMITES_SECRET_KEY": "bench-secret-key", "TRAMITES_BROKER_URL": broker}
    with open(Path(folder) / "celery.log", "wb") as log:
        worker = subprocess.Popen([str(ROOT / ".venv" / "bin" / "tramites"), "worker", "--beat"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_booted(Path(folder) / "celery.log", worker)
            yield worker.pid
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def _wait_booted(log: Path, worker: subprocess.Popen[bytes]) -> None:
    """Until Celery says it is ready, so that its start-up is not billed to the first measurement."""
    deadline = time.monotonic() + 90
    while b" ready." not in log.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"el worker de Celery no arrancó: {log.read_text()[-500:]}")
        time.sleep(0.3)


def broker_url() -> str | None:
    url = f"{REDIS}/11"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        print(f"(Redis no disponible en {url}: {e}; sin workers de Celery)")
        return None
    return url


def load(base: str, secret: str, seconds: float) -> tuple[int, list[float]]:
    """``CLIENTS`` threads completing tasks for ``seconds``: completions and their latencies."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        chain, mine = HttpChain(ApiClient(base, secret), KEY), []
        while time.monotonic() < deadline:
            mine.append(1 / chain.completions(1))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies


def measure(base: str, secret: str, meter: CpuMeter) -> tuple[float, float, float, dict[str, float], float]:
    """Completions/s over the wall clock, p50 ms, load average, CPU seconds per group, wall seconds."""
    meter.start()
    began = time.perf_counter()
    done, latencies = load(base, secret, SECONDS)
    wall = time.perf_counter() - began
    spent = meter.stop()
    return done / wall, statistics.median(latencies) * 1000, load_average(), spent, wall


def cpu_text(spent: dict[str, float], wall: float) -> str:
    cores = os.cpu_count() or 1
    ours = sum(v for k, v in spent.items() if k != "otros")
    return (f"{spent['servidor']:>12.1f}{spent['PostgreSQL']:>11.1f}{spent.get('Celery', 0.0):>8.1f}"
            f"{spent['cliente']:>9.1f}{spent['otros']:>7.1f}{ours / (cores * wall):>8.0%}"
            f"{(ours + spent['otros']) / (cores * wall):>9.0%}")


Figures = dict[int, list[tuple[float, dict[str, float]]]]  # workers -> [(completions/s, CPU ms per completion)]


def rounds(servers: dict[int, tuple[str, int]], secret: str, url: str, celery: int | None) -> Figures:
    """Every server in turn, ``ROUNDS`` times, rotating the order; prints each measurement."""
    rates: Figures = {n: [] for n in servers}
    print(f"{'ronda':<6}{'workers':>8}{'compl./s':>10}{'p50 ms':>8}{'carga':>7}"
          f"{'CPU s: web':>12}{'PostgreSQL':>11}{'Celery':>8}{'cliente':>9}{'otros':>7}{'nuestro':>8}{'máquina':>9}")
    for number in range(ROUNDS):
        order = WORKERS[number % len(WORKERS):] + WORKERS[:number % len(WORKERS)]
        for workers in order:
            base, master = servers[workers]
            groups = {"servidor": lambda m=master: worker_pids(m), "PostgreSQL": lambda: postgres_backends(url),
                      "cliente": lambda: [os.getpid()]}
            if celery is not None:
                groups["Celery"] = lambda: [celery, *worker_pids(celery)]
            rate, p50, load_avg, spent, wall = measure(base, secret, CpuMeter(groups))
            rates[workers].append((rate, {k: v * 1000 / (rate * wall) for k, v in spent.items()}))
            print(f"{number + 1:<6}{workers:>8}{rate:>10.1f}{p50:>8.1f}{load_avg:>7.1f}{cpu_text(spent, wall)}")
    return rates


def summary(figures: Figures) -> None:
    """Medians per configuration; CPU per completion, and the rate the cores would allow if ours alone."""
    one = statistics.median(rate for rate, _ in figures[1])
    cores = os.cpu_count() or 1
    print(f"\n{'workers':<8}{'compl./s':>9}{'× 1':>6}{'CPU ms/compl.: web':>20}{'PostgreSQL':>11}{'cliente':>9}"
          f"{'techo/s':>9}  objetivo")
    for workers, measured in figures.items():
        rate = statistics.median(r for r, _ in measured)
        cost = {k: statistics.median(c[k] for _, c in measured) for k in ("servidor", "PostgreSQL", "cliente")}
        ceiling = cores * 1000 / sum(cost.values())
        target = mark(rate / one, 1.3) if workers == 2 else ""
        print(f"{workers:<8}{rate:>9.1f}{rate / one:>6.2f}{cost['servidor']:>20.1f}{cost['PostgreSQL']:>11.1f}"
              f"{cost['cliente']:>9.1f}{ceiling:>9.0f}  {target}")
    print(f"(techo: {cores} núcleos / CPU por completado de web + PostgreSQL + cliente: lo que la máquina daría "
          "sin otros procesos; medianas de las rondas)")


def main() -> None:
    logging.disable(logging.WARNING)
    began = time.perf_counter()
    broker = broker_url()
    with tempfile.TemporaryDirectory() as folder, prepared_database("postgresql", folder) as made:
        if made is None:
            return
        url, secret = made
        extra = {"TRAMITES_BROKER_URL": broker} if broker else {}
        with ExitStack() as stack:
            servers = {n: stack.enter_context(gunicorn(url, folder, workers=n, extra_env=extra)) for n in WORKERS}
            celery = stack.enter_context(celery_worker(url, folder, broker)) if broker else None
            ApiClient(servers[1][0], secret).deploy(KEY, chain_bpmn(KEY, 10))
            for base, _ in servers.values():  # warm-up: every worker's spec cache and connection pool
                load(base, secret, 2.0)
            print(f"Escala: gunicorn con 1, 2 y 4 workers sobre PostgreSQL, {CLIENTS} clientes, {SECONDS:g} s por "
                  f"medición, {ROUNDS} rondas rotando el orden; casos de 10 tareas (búsqueda + POST)")
            rates = rounds(servers, secret, url, celery)
    summary(rates)
    print("(CPU s: segundos de CPU gastados en la medición por los workers de gunicorn, los procesos de "
          "PostgreSQL de esta base, el worker de Celery, este generador de carga y el resto de la máquina "
          f"(otros, de /proc/stat); nuestro / máquina: esa CPU sobre {os.cpu_count()} núcleos × la duración. "
          "Si la máquina está cerca del 100 %, la curva se aplana por falta de núcleos, no por el código.)")
    print(f"Duración: {time.perf_counter() - began:.0f} s{' (--quick)' if QUICK else ''}")


if __name__ == "__main__":
    main()
