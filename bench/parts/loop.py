"""The correction loop's figure: a step at pass 1,000 against a step at pass 10, measured together.

Two cases of ``tests/data/bpmn/loop.bpmn`` on the same server: one is first advanced to pass
``FAR - WINDOW``, the other to pass 9; then their steps alternate, so both windows see the same
machine load. Each step is timed like a completion of the engine table (lookup + POST).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from common import ApiClient, load_average
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import create_engine, select

from engine.models import Instance
from engine.workflow.spiff import SERIALIZER

LOOP_BPMN = Path(__file__).resolve().parents[2] / "tests" / "data" / "bpmn" / "loop.bpmn"
FAR = 1000
NEAR = 10
WINDOW = 10  # step times are medians over this many passes: one pass alone is noise

Points = dict[int, tuple[int, float]]  # pass -> (state bytes, median step seconds); -1 -> stalled pass


class LoopCase:
    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.instance_id, self.next_tasks = client.start("loop", {"pasadas": 0, "objetivo": 10 * FAR})
        self.passes = 0

    def step(self) -> float:
        began = time.perf_counter()
        if self.next_tasks is None:
            self.next_tasks = self.client.ready_tasks(self.instance_id)
        assert self.next_tasks, f"the loop stalled at pass {self.passes + 1}"
        self.next_tasks = self.client.complete(self.next_tasks[0], {})
        self.passes += 1
        return time.perf_counter() - began

    def advance(self, to: int) -> None:
        while self.passes < to:
            self.step()


def _state_size(url: str, instance_id: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return len(json.dumps(conn.scalar(select(Instance.state).where(Instance.id == instance_id))))
    finally:
        engine.dispose()


def platform_loop_pair(client: ApiClient, url: str, label: str) -> dict[str, Points]:
    """Steps around pass ``FAR`` and pass ``NEAR`` of two cases, timed alternately."""
    client.deploy("loop", LOOP_BPMN.read_text())
    far, near = LoopCase(client), LoopCase(client)
    far.advance(FAR - WINDOW)
    near.advance(NEAR - 1)
    times: dict[int, list[float]] = {FAR: [], NEAR: []}
    for _ in range(WINDOW):
        times[FAR].append(far.step())
        times[NEAR].append(near.step())
    load = load_average()
    return {f"plataforma {label} (carga {load:.1f})": {
        NEAR: (_state_size(url, near.instance_id), statistics.median(times[NEAR])),
        FAR: (_state_size(url, far.instance_id), statistics.median(times[FAR]))}}


def bare_loop() -> Points:
    """The same loop on bare SpiffWorkflow, spec cached; it stalls silently (the library's depth limit)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(LOOP_BPMN.read_bytes())
    spec, engine = parser.get_spec("loop"), PythonScriptEngine()
    workflow = BpmnWorkflow(spec, script_engine=engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update({"pasadas": 0, "objetivo": 10 * FAR})
    workflow.do_engine_steps()
    state = json.dumps(SERIALIZER.to_dict(workflow))
    times: dict[int, float] = {}
    sizes: dict[int, int] = {}
    for number in range(1, FAR + 1):
        began = time.perf_counter()
        workflow = SERIALIZER.from_dict(json.loads(state), spec=spec, subprocess_specs={})
        workflow.script_engine = engine
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:  # no READY task, not completed, no error: the library's silent stall
            return {**_windows(times, sizes, number - 1), -1: (number, 0.0)}
        ready[0].run()
        workflow.do_engine_steps()
        state = json.dumps(SERIALIZER.to_dict(workflow))
        times[number], sizes[number] = time.perf_counter() - began, len(state)
    return _windows(times, sizes, FAR)


def _windows(times: dict[int, float], sizes: dict[int, int], last: int) -> Points:
    windows = {NEAR: range(NEAR, NEAR + WINDOW), last: range(last - WINDOW + 1, last + 1)}
    return {n: (sizes[n], statistics.median(times[i] for i in window)) for n, window in windows.items()}


def loop_table(results: dict[str, Any]) -> None:
    results = {"SpiffWorkflow puro (spec en caché)": bare_loop(), **results}
    print(f"\n{'bucle loop.bpmn':<36}{'pasada':>8}{'estado (bytes)':>16}{'paso (ms)':>11}{'razón':>8}  objetivo")
    for label, points in results.items():
        if -1 in points:
            print(f"{label:<36}  se detiene sin error en la pasada {points.pop(-1)[0]}")
        base = points.get(NEAR, (0, 0.0))[1]
        for number, (size, seconds) in sorted(points.items()):
            ratio = seconds / base if base else 0.0
            target = f"≤ 1.2× la {NEAR} {'✓' if ratio <= 1.2 else '✗'}" if number == FAR else ""
            print(f"{label:<36}{number:>8}{size:>16}{seconds * 1000:>11.2f}{ratio:>8.2f}  {target}")
    print(f"(plataforma: dos casos en el mismo servidor, pasos alternados; mediana de {WINDOW} pasos cada uno)")
