"""The floor of the HTTP target: the least a completion over HTTP can cost on this stack.

Issue #20 asks completions over HTTP to reach 0.35× (SQLite) and 0.25× (PostgreSQL) of the
bare library's step rate. Whatever the platform does, one completion is at least one request
through gunicorn and Flask that parses a JSON body, commits one small row and answers JSON
(``parts/floor_app.py``), plus the engine's own step. So the best ratio the stack allows is

    ceiling = bare_ms / (floor_ms + bare_ms)

and the target is reachable only if the ceiling is above it. Both the floor and the platform
are driven by two clients, ``requests`` (as integrations are) and ``http.client`` keep-alive
(lighter), so the client's own cost is not taken for the server's.

That floor keeps no state. The stateful floor (``parts/state_floor_app.py``) is the least any
engine service that keeps its cases must do per completion: read the case's serialized state,
restore it on the cached spec, complete, run, serialize, write it back, commit. It already
includes the engine's step, so its ceiling is ``bare_ms / state_floor_ms``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import requests
from common import ApiClient, cpu_seconds, gunicorn, mark, worker_pids
from parts.light_client import LightSession
from sqlalchemy import make_url

CLIENTS = ("requests", "http.client")
APP = "bench.parts.floor_app:app"
STATE_APP = "bench.parts.state_floor_app:app"


@contextmanager
def floor_server(database: str, url: str, folder: str) -> Iterator[tuple[str, int]]:
    """The floor app under gunicorn (same settings as the platform's) on ``database``'s kind.

    SQLite gets a file of its own beside the platform's (same pragmas); PostgreSQL writes a
    table of its own in the bench's throw-away database (same server, fsync as configured).
    """
    floor_url = f"sqlite:///{folder}/floor.db" if database == "sqlite" else url
    with gunicorn(floor_url, folder, extra_env={"FLOOR_DATABASE_URL": floor_url}, app=APP) as served:
        yield served


@contextmanager
def state_floor_server(database: str, url: str, folder: str, bpmn: str, key: str) -> Iterator[tuple[str, int]]:
    """The stateful floor app (``parts/state_floor_app.py``) under the same gunicorn, serving ``bpmn``'s ``key``.

    Its database is like the floor's: an SQLite file of its own, or a table of its own in the
    bench's throw-away PostgreSQL database.
    """
    state_url = f"sqlite:///{folder}/state_floor.db" if database == "sqlite" else url
    path = Path(folder) / f"{key}.state_floor.bpmn"
    path.write_text(bpmn)
    env = {"STATE_FLOOR_DATABASE_URL": state_url, "STATE_FLOOR_BPMN": str(path), "STATE_FLOOR_KEY": key}
    with gunicorn(state_url, folder, extra_env=env, app=STATE_APP) as served:
        yield served


class CpuTally:
    """CPU milliseconds per request of a server's workers and of this client, over every round.

    Wall times on a shared machine swell with the neighbours' load; CPU time much less, so it
    tells the server's own cost apart from waiting for a core. ``/proc`` counts in ticks (10 ms),
    hence the totals over all rounds rather than per round. PostgreSQL's backends are shared by
    the platform and the floor (one database), so their CPU is not split here.
    """

    def __init__(self) -> None:
        self.server = self.client = 0.0
        self.requests = 0

    def metered(self, measure: Callable[[], float], master: int | None, requests: int) -> Callable[[], float]:
        """``measure`` counting its server's (``master``'s workers'; ``None``: no server) and this process's CPU."""
        workers = (lambda: worker_pids(master)) if master is not None else list

        def run() -> float:
            before, began = cpu_seconds(workers()), time.process_time()
            rate = measure()
            after = cpu_seconds(workers())
            self.client += time.process_time() - began
            self.server += sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
            self.requests += requests
            return rate

        return run

    def per_request(self) -> tuple[float, float]:
        """(server, client) CPU ms per request."""
        return (1000 * self.server / self.requests, 1000 * self.client / self.requests) if self.requests else (0, 0)


def session(client: str, base: str) -> Any:
    """A keep-alive session of the named client kind to ``base``."""
    return requests.Session() if client == "requests" else LightSession(base)


def light_api(base: str, secret: str) -> ApiClient:
    """The platform's API client over ``http.client`` instead of ``requests``."""
    api = ApiClient(base, secret)
    api.session = LightSession(base)  # type: ignore[assignment]  # the calls ApiClient makes, over http.client
    api.session.headers["Authorization"] = f"Bearer {secret}"
    return api


class FloorChain:
    """One client posting completions to the floor app; each request is timed."""

    def __init__(self, base: str, client: str) -> None:
        self.base, self.session = base, session(client, base)

    def completions(self, count: int) -> float:
        elapsed = 0.0
        for n in range(count):
            began = time.perf_counter()
            response = self.session.post(f"{self.base}/tasks/t{n}/complete", json={"data": {"n": n}}, timeout=60)
            elapsed += time.perf_counter() - began
            assert response.status_code == 200, response.text
        return count / elapsed


class StateFloorChain:
    """One client completing the tasks of chain cases on the stateful floor app; each completion is timed.

    Like the platform's client with the API that lists the next task: a start (untimed, as the
    bare side's) when a case ends, then one POST per completion, no lookup.
    """

    def __init__(self, base: str, client: str) -> None:
        self.base, self.session = base, session(client, base)
        self.case: int | None = None
        self.next_tasks: list[str] = []

    def _start(self) -> None:
        response = self.session.post(f"{self.base}/cases", json={}, timeout=60)
        assert response.status_code == 201, response.text
        body = response.json()
        self.case, self.next_tasks = body["id"], body["next_tasks"]

    def completions(self, count: int) -> float:
        elapsed = 0.0
        for n in range(count):
            if self.case is None or not self.next_tasks:
                self._start()
            began = time.perf_counter()
            response = self.session.post(f"{self.base}/cases/{self.case}/complete",
                                         json={"task": self.next_tasks[0], "data": {"n": n}}, timeout=60)
            elapsed += time.perf_counter() - began
            assert response.status_code == 200, response.text
            self.next_tasks = response.json()["next_tasks"]
        return count / elapsed


FLOOR_CHAINS: dict[str, Callable[[str, str], Any]] = {"piso": FloorChain, "estado": StateFloorChain}


def durability(database: str, url: str) -> str:
    """What makes a commit durable on this run's database, as the database itself reports it."""
    if database == "sqlite":
        return "WAL, synchronous=FULL (engine.db.tune_sqlite)"
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        fsync = conn.execute("SHOW fsync").fetchone()
        synchronous = conn.execute("SHOW synchronous_commit").fetchone()
    return f"fsync={fsync[0] if fsync else '?'}, synchronous_commit={synchronous[0] if synchronous else '?'}"


def floor_row(database: str, client: str, floor_ms: float, platform_ms: float, bare_ms: float,
              target: float, load: float, cpu: tuple[CpuTally, CpuTally]) -> str:
    """One row: the floor, the ceiling it implies, where the platform stands, and their CPU per request."""
    ceiling = bare_ms / (floor_ms + bare_ms)
    ratio = bare_ms / platform_ms
    (floor_server_ms, floor_client_ms), (platform_server_ms, platform_client_ms) = (t.per_request() for t in cpu)
    return (f"{database:<11}{client:<12}{floor_ms:>9.2f}{bare_ms:>8.2f}{ceiling:>9.3f}  {mark(ceiling, target):<9}"
            f"{platform_ms:>10.2f}{ratio:>8.3f}{load:>7.1f}   {floor_server_ms:>5.2f}/{floor_client_ms:<5.2f}"
            f"{platform_server_ms:>8.2f}/{platform_client_ms:.2f}")


def floor_table(rows: list[str], notes: list[str]) -> None:
    print("\nPiso HTTP: lo mínimo que cuesta un completado en esta pila (gunicorn 1 worker + Flask: "
          "JSON in, 1 fila confirmada, JSON out), intercalado con el resto (10 tareas)")
    print(f"{'base':<11}{'cliente':<12}{'piso ms':>9}{'puro ms':>8}{'techo':>9}  {'objetivo':<9}"
          f"{'plat. ms':>10}{'razón':>8}{'carga':>7}  CPU ms piso  plataforma (servidor/cliente)")
    for row in rows:
        print(row)
    for note in notes:
        print(note)
    print("(ms = 1000 / la mediana de las tasas de las rondas. piso: un pedido al piso; puro: un paso; techo = "
          "puro / (piso + puro), la mejor razón posible si la plataforma no hiciera nada más que el piso y el "
          "paso del motor; plat. ms: completado de la plataforma (búsqueda + POST) con ese cliente; "
          "razón = puro / plat.; CPU ms: del worker de gunicorn y de este cliente por pedido "
          "(plataforma: por completado, "
          "con su parte de los inicios), sumada en todas las "
          "rondas, sin PostgreSQL. Este piso no guarda ni corre nada: el piso con estado, abajo, es lo mínimo "
          "que hace un servicio que guarda sus casos)")


def state_floor_row(database: str, client: str, levels: tuple[float, float, float], bare_ms: float,
                    target: float, load: float, cpu: tuple[CpuTally, CpuTally, CpuTally, CpuTally]) -> str:
    """One row of the three levels: floor, stateful floor and platform ms, the stateful ceiling, CPU per request.

    ``levels`` is (floor, stateful floor, platform) ms; ``cpu`` their tallies and the bare side's.
    The CPU ceiling is the bare step's CPU over the stateful floor's server + client CPU: what
    the ceiling would be without waiting for a core (nor for fsync, nor PostgreSQL's backend).
    """
    floor_ms, state_ms, platform_ms = levels
    ceiling = bare_ms / state_ms  # the stateful floor already runs the engine's step
    (floor_cpu, _), (state_cpu, state_client), (platform_cpu, _), (_, bare_cpu) = (t.per_request() for t in cpu)
    cpu_ceiling = bare_cpu / (state_cpu + state_client) if state_cpu + state_client else float("nan")
    return (f"{database:<11}{client:<12}{floor_ms:>8.2f}{state_ms:>11.2f}{platform_ms:>9.2f}{bare_ms:>8.2f}"
            f"{state_ms - bare_ms:>8.2f}{ceiling:>8.3f}  {mark(ceiling, target):<9}{bare_ms / platform_ms:>7.3f}"
            f"{load:>7.1f}   {floor_cpu:>5.2f} / {state_cpu:>5.2f} / {platform_cpu:>5.2f}   {state_client:>5.2f}"
            f"{bare_cpu:>7.2f}{cpu_ceiling:>11.3f}")


def state_floor_table(rows: list[str]) -> None:
    print("\nPiso con estado: lo mínimo que cuesta un completado en un servicio que guarda el estado de sus casos "
          "(gunicorn 1 worker + Flask: JSON in, SELECT del estado, paso del motor con la especificación en caché, "
          "UPDATE, 1 commit, JSON out con la tarea siguiente), intercalado con el resto (10 tareas)")
    print(f"{'base':<11}{'cliente':<12}{'piso ms':>8}{'estado ms':>11}{'plat. ms':>9}{'puro ms':>8}{'resto':>8}"
          f"{'techo':>8}  {'objetivo':<9}{'razón':>7}{'carga':>7}   CPU ms servidor piso / estado / plat.   cliente"
          f"{'puro':>7}{'techo CPU':>11}")
    for row in rows:
        print(row)
    print("(tres niveles con el mismo cliente: piso (1 fila confirmada), piso con estado y plataforma (búsqueda + "
          "POST); estado: un completado en el piso con estado, que lee el estado del caso, lo restaura, completa "
          "la tarea lista, corre el motor hasta la próxima espera, lo serializa y lo escribe en una transacción "
          "(sin autenticación, ORM, auditoría ni índices); resto = estado − puro, lo que cuesta además del paso "
          "del motor; techo = puro / estado, la mejor razón que alcanza un servicio con estado en esta pila; "
          "razón = puro / plat.; CPU ms por pedido del worker de gunicorn de cada nivel, sumada en todas las "
          "rondas, sin PostgreSQL (estado y plat.: con su parte de los inicios); cliente: CPU ms de este proceso por "
          "completado del piso con estado; puro: CPU ms por paso del lado puro (con su parte de los casos nuevos); "
          "techo CPU = puro / (estado + cliente), el techo sin esperas por un núcleo, por fsync ni por PostgreSQL)")
