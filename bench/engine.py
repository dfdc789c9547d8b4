"""Engine benchmark: REST task completions against bare SpiffWorkflow, and a long loop.

Run as ``.venv/bin/python bench/engine.py`` (``make bench``). Prints one table:

- task completions per second through the REST API (Flask test client) for processes of
  1 and 10 user tasks, on SQLite and PostgreSQL, next to the same steps on bare
  SpiffWorkflow (deserialize, complete, run, serialize) and the ratio;
- serialized state size and step time at iterations 10 and 1,000 of a 4-node loop.

Durable settings only: SQLite and PostgreSQL run with their defaults (fsync on,
synchronous_commit on). PostgreSQL comes from ``TRAMITES_TEST_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); the bench creates its own database and
drops it. ``--profile`` prints a cProfile of the platform's completions on SQLite instead.
"""

from __future__ import annotations

import cProfile
import io
import json
import logging
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import throwaway_postgres  # bench/common.py, beside this script
from flask import Flask
from flask_migrate import upgrade
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.db import db  # noqa: E402
from engine.identity import tokens  # noqa: E402  (the repository root must be on the path first)
from engine.models import Instance, Task  # noqa: E402
from engine.uow import unit_of_work  # noqa: E402
from wsgi import create_app  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
COMPLETIONS = 100  # per configuration
WINDOW = 10  # step times are medians over this many passes
LOOP_PASSES = 1000
LOOP_BPMN = Path(__file__).resolve().parent.parent / "tests" / "data" / "bpmn" / "loop.bpmn"
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def chain_bpmn(key: str, user_tasks: int) -> str:
    """A process of ``user_tasks`` user tasks in a row."""
    nodes = ['<bpmn:startEvent id="start"/>']
    previous = "start"
    for n in range(1, user_tasks + 1):
        nodes.append(f'<bpmn:userTask id="t{n}"/>')
        nodes.append(f'<bpmn:sequenceFlow id="f{n}" sourceRef="{previous}" targetRef="t{n}"/>')
        previous = f"t{n}"
    nodes.append('<bpmn:endEvent id="end"/>')
    nodes.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="{previous}" targetRef="end"/>')
    body = "\n    ".join(nodes)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NS} id="D_{key}" '
            f'targetNamespace="http://tramites.smt/bench">\n  <bpmn:process id="{key}" isExecutable="true">\n'
            f"    {body}\n  </bpmn:process>\n</bpmn:definitions>\n")


# --- bare SpiffWorkflow -------------------------------------------------------------------------

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def bare_spec(bpmn: str, key: str) -> Any:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(bpmn.encode())
    return parser.get_spec(key)


def bare_step(state: str, data: dict[str, Any]) -> tuple[str, bool]:
    """Load, complete the ready user task, run, serialize: one step as the platform does it."""
    workflow = SERIALIZER.deserialize_json(state)
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()
    return SERIALIZER.serialize_json(workflow), workflow.completed


def bare_rate(user_tasks: int) -> float:
    spec = bare_spec(chain_bpmn("cadena", user_tasks), "cadena")
    done, elapsed = 0, 0.0
    while done < COMPLETIONS:
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        state, completed = SERIALIZER.serialize_json(workflow), False
        while not completed and done < COMPLETIONS:
            started = time.perf_counter()
            state, completed = bare_step(state, {"n": done})
            elapsed += time.perf_counter() - started
            done += 1
    return done / elapsed


def bare_loop() -> dict[int, tuple[int, float]]:
    """State size and step time of the loop on bare SpiffWorkflow (it stalls silently, see -1)."""
    workflow = BpmnWorkflow(bare_spec(LOOP_BPMN.read_text(), "loop"))
    workflow.get_tasks(state=TaskState.READY)[0].data.update({"pasadas": 0, "objetivo": LOOP_PASSES + 1})
    workflow.do_engine_steps()
    state = SERIALIZER.serialize_json(workflow)
    times: dict[int, float] = {}
    sizes: dict[int, int] = {}
    for number in range(1, LOOP_PASSES + 1):
        started = time.perf_counter()
        try:
            state, _ = bare_step(state, {})
        except IndexError:  # no READY task, not completed, no error: the library's silent stall
            return {**_points(times, sizes, (10, number - 1)), -1: (number, 0.0)}
        times[number], sizes[number] = time.perf_counter() - started, len(state)
    return _points(times, sizes, (10, LOOP_PASSES))


def _points(times: dict[int, float], sizes: dict[int, int], labels: tuple[int, int]) -> dict[int, tuple[int, float]]:
    """Per iteration label: the state size there and the median step time of a window of passes.

    The first label's window starts at it (10..19), the last one's ends at it (991..1000): the
    machine is shared, so one pass alone is noise.
    """
    first, last = labels
    windows = {first: range(first, first + WINDOW), last: range(last - WINDOW + 1, last + 1)}
    return {n: (sizes[n], statistics.median(times[i] for i in window)) for n, window in windows.items()}


# --- the platform through its REST API ----------------------------------------------------------

@contextmanager
def platform(database: str) -> Iterator[tuple[Flask, dict[str, str]] | None]:
    """An app on a fresh database of the given kind, with an admin token; None when unavailable."""
    with tempfile.TemporaryDirectory() as folder:
        if database == "sqlite":
            url, cleanup = f"sqlite:///{folder}/bench.db", None
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
            yield app, {"Authorization": f"Bearer {secret}"}
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            if cleanup is not None:
                cleanup()


def deploy(app: Flask, auth: dict[str, str], key: str, bpmn: str) -> None:
    files = [(io.BytesIO(bpmn.encode()), f"{key}.bpmn"),
             (io.BytesIO(f"key: {key}\nname: {key}\n".encode()), "manifest.yaml")]
    response = app.test_client().post("/api/v1/deployments", data={"files": files}, headers=auth,
                                      content_type="multipart/form-data")
    assert response.status_code in (200, 201), response.get_json()


def start(app: Flask, auth: dict[str, str], key: str, data: dict[str, Any]) -> str:
    response = app.test_client().post(f"/api/v1/processes/{key}/instances", json={"data": data}, headers=auth)
    assert response.status_code == 201, response.get_json()
    instance_id: str = response.get_json()["id"]
    return instance_id


def ready_task(app: Flask, auth: dict[str, str], instance_id: str) -> str | None:
    tasks = app.test_client().get(f"/api/v1/instances/{instance_id}", headers=auth).get_json()["tasks"]
    return tasks[0]["id"] if tasks else None


def complete(app: Flask, auth: dict[str, str], task_id: str, data: dict[str, Any],
             profiler: cProfile.Profile | None = None) -> float:
    """Complete a task through the API; return the seconds the request took (profiled when asked)."""
    client = app.test_client()
    if profiler is not None:
        profiler.enable()
    started = time.perf_counter()
    response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=auth)
    elapsed = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
    assert response.status_code == 200, response.get_json()
    return elapsed


def platform_rate(app: Flask, auth: dict[str, str], user_tasks: int, profiler: cProfile.Profile | None = None) -> float:
    """Completions per second (only the complete requests are timed, and profiled when asked)."""
    key = f"cadena{user_tasks}"
    deploy(app, auth, key, chain_bpmn(key, user_tasks))
    done, elapsed = 0, 0.0
    while done < COMPLETIONS:
        instance_id = start(app, auth, key, {})
        while done < COMPLETIONS and (task_id := ready_task(app, auth, instance_id)) is not None:
            elapsed += complete(app, auth, task_id, {"n": done}, profiler)
            done += 1
    return done / elapsed


def platform_loop(app: Flask, auth: dict[str, str]) -> dict[int, tuple[int, float]]:
    """State size and median step time around iterations 10 and 1,000 of the loop, through the API."""
    deploy(app, auth, "loop", LOOP_BPMN.read_text())
    instance_id = start(app, auth, "loop", {"pasadas": 0, "objetivo": LOOP_PASSES + 1})
    times: dict[int, float] = {}
    sizes: dict[int, int] = {}
    for number in range(1, LOOP_PASSES + 1):
        with app.app_context():  # the ready task straight from the index: only the completion is timed
            task_id = db.session.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.status == "ready"))
            db.session.remove()
        assert task_id is not None, f"the loop stalled at pass {number}"
        times[number] = complete(app, auth, task_id, {})
        if number in (10, LOOP_PASSES):
            with app.app_context():
                sizes[number] = len(json.dumps(db.session.get(Instance, instance_id).state))
                db.session.remove()
    return _points(times, sizes, (10, LOOP_PASSES))


# --- the table -----------------------------------------------------------------------------------

def rates_table(rows: list[tuple[str, int, float, float]]) -> None:
    print(f"{'base':<11}{'tareas/proceso':>15}{'plataforma/s':>14}{'Spiff puro/s':>14}{'razón':>8}")
    for database, user_tasks, ours, bare in rows:
        print(f"{database:<11}{user_tasks:>15}{ours:>14.1f}{bare:>14.1f}{ours / bare:>8.3f}")


def loop_table(results: dict[str, dict[int, tuple[int, float]]]) -> None:
    print(f"\n{'bucle loop.bpmn':<22}{'iteración':>10}{'estado (bytes)':>16}{'paso (ms)':>11}{'razón paso':>12}")
    for label, points in results.items():
        if -1 in points:
            stalled = points.pop(-1)[0]
            print(f"{label:<22}  se detiene sin error en la pasada {stalled}")
        base = points.get(10, (0, 0.0))[1]
        for number, (size, seconds) in sorted(points.items()):
            ratio = f"{seconds / base:.2f}" if base else "-"
            print(f"{label:<22}{number:>10}{size:>16}{seconds * 1000:>11.2f}{ratio:>12}")


def profile_completions() -> None:
    """Profile only the complete requests (both chains, SQLite): where one completion's time goes."""
    profiler = cProfile.Profile()
    with platform("sqlite") as made:
        assert made is not None
        app, auth = made
        for user_tasks in (1, 10):
            platform_rate(app, auth, user_tasks, profiler)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(
        r"engine/|flask_smorest/(arguments|response)|sqlalchemy/orm/session.py:\d+\((get|flush|commit)\)"
        r"|sqlite3.Connection|SpiffWorkflow/bpmn/serializer/workflow", 40)


def main() -> None:
    logging.disable(logging.WARNING)
    if "--profile" in sys.argv:
        profile_completions()
        return
    began = time.perf_counter()
    bare = {n: bare_rate(n) for n in (1, 10)}
    rows: list[tuple[str, int, float, float]] = []
    loops: dict[str, dict[int, tuple[int, float]]] = {"SpiffWorkflow puro": bare_loop()}
    for database in ("sqlite", "postgresql"):
        with platform(database) as made:
            if made is None:
                continue
            app, auth = made
            rows += [(database, n, platform_rate(app, auth, n), bare[n]) for n in (1, 10)]
            loops[f"plataforma {database}"] = platform_loop(app, auth)
    rates_table(rows)
    loop_table(loops)
    print(f"\nObjetivos: razón ≥ 0.5 con SpiffWorkflow puro; paso en la iteración 1000 ≤ 1.2× la 10. "
          f"Duración: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
