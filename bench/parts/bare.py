"""Bare SpiffWorkflow with the spec cached: the other side of the engine bench, and the stateful floor's step.

``bench/engine.py`` times :meth:`BareChain.step` in memory; ``parts/state_floor_app.py`` runs
the same :meth:`~BareChain.restore`, :meth:`~BareChain.complete_ready` and :meth:`~BareChain.dump`
between reading a case's state from its database and writing it back, so the two sides do the
same engine work. Nothing here imports the bench's helpers (``common``): the app imports this
module as ``bench.parts.bare`` under gunicorn.
"""

from __future__ import annotations

import json
import time
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.workflow.spiff import SERIALIZER  # the platform's state-only converter, nothing else of it


def bare_spec(bpmn: str, key: str) -> Any:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(bpmn.encode())
    return parser.get_spec(key)


class BareChain:
    """Bare SpiffWorkflow with the parsed spec kept: each step is what the platform's engine does."""

    def __init__(self, bpmn: str, key: str) -> None:
        self.spec = bare_spec(bpmn, key)
        self.engine = PythonScriptEngine()
        self.state: str | None = None

    def new_workflow(self) -> BpmnWorkflow:
        """A new case, run to its first wait."""
        workflow = BpmnWorkflow(self.spec, script_engine=self.engine)
        workflow.do_engine_steps()
        return workflow

    def new_case(self) -> str:
        return self.dump(self.new_workflow())

    def restore(self, state: str) -> BpmnWorkflow:
        """The workflow from its JSON state, on the cached spec (the spec is not in the state)."""
        workflow = SERIALIZER.from_dict(json.loads(state), spec=self.spec, subprocess_specs={})
        workflow.script_engine = self.engine
        return workflow

    @staticmethod
    def complete_ready(workflow: BpmnWorkflow, data: dict[str, Any]) -> Any:
        """Complete the (first) ready user task with ``data`` and run to the next wait; the task completed."""
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        return task

    @staticmethod
    def dump(workflow: BpmnWorkflow) -> str:
        return json.dumps(SERIALIZER.to_dict(workflow))

    def step(self, state: str, data: dict[str, Any]) -> tuple[str, bool]:
        """Restore the state (not the spec), complete the ready user task, run, serialize."""
        workflow = self.restore(state)
        self.complete_ready(workflow, data)
        return self.dump(workflow), workflow.completed

    def completions(self, count: int) -> float:
        """Steps per second over ``count`` completions (a new case, untimed, when one ends)."""
        elapsed = 0.0
        for n in range(count):
            if self.state is None:
                self.state = self.new_case()
            began = time.perf_counter()
            state, completed = self.step(self.state, {"n": n})
            elapsed += time.perf_counter() - began
            self.state = None if completed else state
        return count / elapsed

    def cycles(self, count: int) -> float:
        """Start + complete cycles of a one-task process per second."""
        began = time.perf_counter()
        for n in range(count):
            self.step(self.new_case(), {"n": n})
        return count / (time.perf_counter() - began)
