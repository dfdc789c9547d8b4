"""A chain of user tasks, and one client completing them over HTTP as an integration would."""

from __future__ import annotations

import time

from common import ApiClient

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


class HttpChain:
    """One client completing the tasks of a chain through a real server, as an integration would."""

    def __init__(self, client: ApiClient, key: str) -> None:
        self.client, self.key = client, key
        self.instance_id: str | None = None
        self.next_tasks: list[str] | None = None
        self.posts: list[float] = []
        self.starts: list[float] = []
        self.asked = 0  # completions that needed the GET

    def _start(self) -> None:
        began = time.perf_counter()
        self.instance_id, self.next_tasks = self.client.start(self.key, {})
        self.starts.append(time.perf_counter() - began)

    def _complete_next(self, n: int) -> bool:
        """GET the next task unless the last answer listed it, then POST; False when the case ended."""
        assert self.instance_id is not None
        if self.next_tasks is None:
            self.next_tasks = self.client.ready_tasks(self.instance_id)
            self.asked += 1
        if not self.next_tasks:
            return False
        began = time.perf_counter()
        self.next_tasks = self.client.complete(self.next_tasks[0], {"n": n})
        self.posts.append(time.perf_counter() - began)
        return True

    def completions(self, count: int) -> float:
        """Completions per second, each timed from the lookup to the answer of the POST."""
        elapsed, done = 0.0, 0
        while done < count:
            if self.instance_id is None:
                self._start()
            began = time.perf_counter()
            if self._complete_next(done):
                elapsed += time.perf_counter() - began
                done += 1
            else:
                self.instance_id, self.next_tasks = None, None
        return done / elapsed

    def cycles(self, count: int) -> float:
        """Start + (lookup) + complete of a one-task process, per second."""
        began = time.perf_counter()
        for n in range(count):
            self._start()
            assert self._complete_next(n)
        return count / (time.perf_counter() - began)
