"""Engine benchmark: task completions over HTTP against bare SpiffWorkflow, SQL counts, a long loop.

Run as ``.venv/bin/python bench/engine.py [--quick]`` (``make bench``). Prints these tables:

- completions per second through the REST API of a real server (gunicorn, one worker, one
  client over keep-alive HTTP), each timing the GET a client needs to find the next task (or
  using the tasks the answer lists, once the API lists them) plus the POST that completes it,
  for processes of 1 and 10 user tasks, on SQLite (WAL, full sync) and PostgreSQL (fsync on, a
  throw-away database). Bare SpiffWorkflow runs the same steps with the spec cached as the
  platform caches it (parsed once; each step restores only the state from JSON, completes,
  runs, serializes the state to JSON). The two sides alternate in rounds; figures are medians
  of the rounds, with the median one-minute load average next to each;
- SQL statements, and on PostgreSQL round trips (statements + BEGIN/COMMIT/ROLLBACK + pool
  pings), per request, counted in process (Flask test client, SQLAlchemy engine and pool events);
- the 4-node correction loop at pass 1,000 and at pass 10, measured at the same time: two
  instances, one advanced to pass ~990 first, stepped alternately.

The 10-task rounds also measure two floors (``bench/parts/floor.py``), each over ``requests``
and over ``http.client``: the HTTP floor (``parts/floor_app.py``: JSON in, one committed row,
JSON out) and the stateful floor (``parts/state_floor_app.py``: one transaction that reads a
case's state, runs the bare side's own step on it and writes it back), printed with the
platform beside them in «Piso HTTP» and «Piso con estado».

``--profile`` prints a cProfile of in-process completions on SQLite instead. ``--floor`` runs
only the 10-task rounds with both floors (no 1-task row, no SQL counts, no loop): about a minute,
to repeat the floor's figures when the machine is quieter.
"""

from __future__ import annotations

import cProfile
import logging
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from common import ApiClient, gunicorn, load_average, mark, prepared_database  # bench/common.py
from parts.bare import BareChain  # bare SpiffWorkflow, spec cached
from parts.chain import HttpChain, chain_bpmn
from parts.floor import (
    CLIENTS,
    FLOOR_CHAINS,
    CpuTally,
    durability,
    floor_row,
    floor_server,
    floor_table,
    light_api,
    state_floor_row,
    state_floor_server,
    state_floor_table,
)
from parts.loop import loop_table, platform_loop_pair  # bench/parts/: helpers, not run by make bench
from parts.sql_counts import count_requests, counts_table

QUICK = "--quick" in sys.argv
FLOOR_ONLY = "--floor" in sys.argv
ROUNDS = 3 if QUICK else 5
STEPS = 30 if QUICK else 100  # completions per side per round
TARGETS = {"sqlite": 0.35, "postgresql": 0.25}
STATE_KEY = "cadena10"  # the stateful floor serves the 10-task rounds' chain


# --- both sides, interleaved ----------------------------------------------------------------------

def interleaved(sides: dict[str, Callable[[], float]]) -> dict[str, tuple[float, float]]:
    """Run the sides alternately for ``ROUNDS`` rounds: per side, the median rate and load average.

    The order flips every round (A B, B A, …), so neither side always follows the other.
    """
    rates: dict[str, list[float]] = {name: [] for name in sides}
    loads: dict[str, list[float]] = {name: [] for name in sides}
    for number in range(ROUNDS):
        order = list(sides.items())
        for name, measure in order if number % 2 == 0 else reversed(order):
            rates[name].append(measure())
            loads[name].append(load_average())
    return {name: (statistics.median(rates[name]), statistics.median(loads[name])) for name in sides}


def ms(times: list[float]) -> float:
    return statistics.median(times) * 1000 if times else float("nan")


def floor_sides(sides: dict[str, Callable[[], float]], light: ApiClient, key: str,
                floors: dict[str, tuple[str, int]], platform_pid: int) -> dict[str, CpuTally]:
    """Add the 10-task rounds' other HTTP sides to ``sides``, each with a CPU tally, and return the tallies.

    The platform over ``http.client`` (``light``), and each floor (``floors``: level -> base URL
    and master pid; levels ``piso`` and ``estado``) over both clients; ``sides["plataforma"]`` and
    ``sides["puro"]`` (this process's CPU) get a tally too.
    """
    lighter = HttpChain(light, key)
    lighter.completions(5)  # warm-up of its own connection
    runs: dict[str, tuple[Callable[[], float], int | None]] = {
        "plataforma": (sides["plataforma"], platform_pid),
        "plataforma http.client": (partial(lighter.completions, STEPS), platform_pid)}
    for level, (base, master) in floors.items():
        for name in CLIENTS:
            chain = FLOOR_CHAINS[level](base, name)
            chain.completions(5)  # warm-up: its connection, the worker's first requests
            runs[f"{level} {name}"] = (partial(chain.completions, STEPS), master)
    runs["puro"] = (sides["puro"], None)  # this process's CPU only
    tallies = {name: CpuTally() for name in runs}
    for name, (measure, pid) in runs.items():
        sides[name] = tallies[name].metered(measure, pid, STEPS)
    return tallies


class HttpRows(NamedTuple):
    rows: list[str]
    floor_rows: list[str]
    state_rows: list[str]


def http_rows(database: str, client: ApiClient, light: ApiClient, floors: dict[str, tuple[str, int]],
              platform_pid: int) -> HttpRows:
    """Table rows for the 1-task cycle and the 10-task completions on one server, and the floors' rows.

    The 10-task completions interleave seven sides: the platform, the floor app and the stateful
    floor app (``floors``' base URLs and master pids), each over ``requests`` and over
    ``http.client`` (``light``), and bare SpiffWorkflow; the six HTTP sides also count their
    server's and their own CPU.
    """
    made = HttpRows([], [], [])
    for user_tasks in (10,) if FLOOR_ONLY else (1, 10):
        key = f"cadena{user_tasks}"
        bpmn = chain_bpmn(key, user_tasks)
        client.deploy(key, bpmn)
        ours, bare = HttpChain(client, key), BareChain(bpmn, key)
        platform_side, bare_side = ((ours.cycles, bare.cycles) if user_tasks == 1
                                    else (ours.completions, bare.completions))
        platform_side(5)  # warm-up: the worker's spec cache, the connection pool
        ours.posts.clear()
        ours.starts.clear()
        ours.asked = 0
        sides: dict[str, Callable[[], float]] = {"plataforma": partial(platform_side, STEPS),
                                                 "puro": partial(bare_side, STEPS)}
        tallies = floor_sides(sides, light, key, floors, platform_pid) if user_tasks == 10 else {}
        figures = interleaved(sides)
        (rate, load), (bare_rate, bare_load) = figures["plataforma"], figures["puro"]
        if user_tasks == 10:
            floor_rows(made, database, figures, tallies)
        ratio = rate / bare_rate
        start_cost = ms(ours.starts) / ms(ours.posts)  # the issue's «a start costs ≤ 1.3× a completion»
        target = (mark(ratio, TARGETS[database]) if user_tasks == 10
                  else f"inicio/POST {start_cost:.2f} {mark(start_cost, 1.3, at_most=True)}")
        lookup = f"{ours.asked}/{len(ours.posts)}"
        made.rows.append(f"{database:<11}{user_tasks:>7}{rate:>10.1f}{load:>6.1f}{ms(ours.posts):>9.1f}"
                         f"{ms(ours.starts):>9.1f}{lookup:>14}{bare_rate:>10.0f}{bare_load:>6.1f}{ratio:>8.3f}  "
                         f"{target}")
    return made


def floor_rows(made: HttpRows, database: str, figures: dict[str, tuple[float, float]],
               tallies: dict[str, CpuTally]) -> None:
    """The floor's and the stateful floor's rows of the 10-task rounds, per client."""
    bare_ms = 1000 / figures["puro"][0]
    for name, platform_name in zip(CLIENTS, ("plataforma", "plataforma http.client"), strict=True):
        (floor_rate, floor_load), (state_rate, state_load) = figures[f"piso {name}"], figures[f"estado {name}"]
        platform_ms = 1000 / figures[platform_name][0]
        made.floor_rows.append(floor_row(database, name, 1000 / floor_rate, platform_ms, bare_ms, TARGETS[database],
                                         floor_load, (tallies[f"piso {name}"], tallies[platform_name])))
        made.state_rows.append(state_floor_row(
            database, name, (1000 / floor_rate, 1000 / state_rate, platform_ms), bare_ms, TARGETS[database],
            state_load, (tallies[f"piso {name}"], tallies[f"estado {name}"], tallies[platform_name], tallies["puro"])))


def http_table(rows: list[str]) -> None:
    print(f"Por HTTP: gunicorn 1 worker, 1 cliente; {ROUNDS} rondas intercaladas × {STEPS} pasos, medianas; "
          "carga = promedio de carga de 1 min")
    print(f"{'base':<11}{'tareas':>7}{'plat./s':>10}{'carga':>6}{'POST p50':>9}{'inicio':>9}{'GET/compl.':>14}"
          f"{'puro/s':>10}{'carga':>6}{'razón':>8}  objetivo")
    for row in rows:
        print(row)
    print("(1 tarea: ciclos inicio + completar por segundo; 10 tareas: completados por segundo, cada uno "
          "con la búsqueda de la tarea. «GET/compl.»: GET hechos para buscar la tarea (incluido el que halla "
          "el caso terminado) por completados. Puro: "
          "SpiffWorkflow con la especificación en caché, en memoria. ms en p50.)")


class Measured(NamedTuple):
    """One database's figures for the tables."""

    rows: list[str]
    floor_rows: list[str]
    state_rows: list[str]
    floor_note: str
    counts: list[tuple[str, str, dict[str, float]]]
    loops: dict[str, dict[int, tuple[int, float]]]


def run_database(database: str, folder: str) -> Measured | None:
    with prepared_database(database, folder) as made:
        if made is None:
            return None
        url, secret = made
        counts = [] if FLOOR_ONLY else count_requests(database, url, folder, chain_bpmn("conteo", 10))
        with (gunicorn(url, folder) as (base, platform_pid), floor_server(database, url, folder) as floor,
              state_floor_server(database, url, folder, chain_bpmn(STATE_KEY, 10), STATE_KEY) as state_floor):
            client = ApiClient(base, secret)
            rows = http_rows(database, client, light_api(base, secret), {"piso": floor, "estado": state_floor},
                             platform_pid)
            note = f"{database}: {durability(database, url)}"
            loops = {} if FLOOR_ONLY else platform_loop_pair(client, url, database)
        return Measured(rows.rows, rows.floor_rows, rows.state_rows, note, counts, loops)


def profile_completions() -> None:
    """Profile in-process completions (10-task chain, SQLite): where one completion's time goes."""
    from parts.sql_counts import profiled_completions
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as folder, prepared_database("sqlite", folder) as made:
        assert made is not None
        profiled_completions(made[0], folder, chain_bpmn("perfil", 10), profiler)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        r"engine/|flask_smorest/(arguments|response)|sqlalchemy/orm/session.py:\d+\((get|flush|commit)\)"
        r"|sqlite3.Connection|SpiffWorkflow/bpmn/serializer/workflow", 40)


def main() -> None:
    logging.disable(logging.WARNING)
    if "--profile" in sys.argv:
        profile_completions()
        return
    began = time.perf_counter()
    rows: list[str] = []
    floor_rows: list[str] = []
    state_rows: list[str] = []
    floor_notes: list[str] = []
    counts: list[tuple[str, str, dict[str, float]]] = []
    loops: dict[str, dict[int, tuple[int, float]]] = {}
    for database in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as folder:
            made = run_database(database, folder)
        if made is not None:
            rows += made.rows
            floor_rows += made.floor_rows
            state_rows += made.state_rows
            floor_notes.append(made.floor_note)
            counts += made.counts
            loops.update(made.loops)
    http_table(rows)
    floor_table(floor_rows, floor_notes)
    state_floor_table(state_rows)
    if not FLOOR_ONLY:
        counts_table(counts)
        loop_table(loops)
    flags = " ".join(flag for flag in ("--quick", "--floor") if flag in sys.argv)
    print(f"\nDuración: {time.perf_counter() - began:.0f} s{f' ({flags})' if flags else ''}")


if __name__ == "__main__":
    main()
