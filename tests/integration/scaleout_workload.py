"""The workload of the scale-out fault test: a city integration driving cases over the REST API.

Each client thread plays one integration as a real one is written: it speaks to the web nodes
behind a load balancer (here: it takes them in turn), and on a connection error or a gateway
answer it sends the same request again, with the same ``Idempotency-Key`` (starts) or
``message_id`` (messages). A completion has no key: a repeat that finds the task no longer
ready asks the task whether the first attempt took effect.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

PROCESS = "escala_fallas"
MESSAGE = "pago_escala"
ATTEMPTS = 40
#: What a load balancer answers when its node is gone, or a request is cut mid-way.
RETRIED_STATUSES = frozenset({502, 503, 504})
CUT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass
class Traffic:
    """What the clients saw, shared by every thread: requests in flight per node, retries, progress."""

    nodes: list[str]
    in_flight: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)
    started: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str, node: str | None = None, delta: int = 1) -> None:
        with self.lock:
            if node is not None:
                self.in_flight[node] += delta
            else:
                self.retried[what] += delta

    def case_started(self) -> None:
        with self.lock:
            self.started += 1

    def busy(self, node: str) -> bool:
        with self.lock:
            return self.in_flight[node] > 0


class Integration:
    """One client of the API with its token; not shared between threads (one HTTP session each)."""

    def __init__(self, traffic: Traffic, token: str, first_node: int) -> None:
        self.traffic = traffic
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.turn = first_node

    def send(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None,
             busy_retry: bool = False, files: Any = None) -> tuple[requests.Response, bool]:
        """Send until a node answers; ``busy_retry`` also repeats a 409 (the same key still in progress).

        :return: the answer and whether the request was sent more than once.
        """
        repeated = False
        for _attempt in range(ATTEMPTS):
            node = self.traffic.nodes[self.turn % len(self.traffic.nodes)]
            self.turn += 1
            self.traffic.count("", node)
            try:
                answer = self.session.request(method, node + path, json=json, headers=headers or {}, files=files,
                                              timeout=60)
            except CUT:
                self.traffic.count("connection")
                repeated = True
                time.sleep(0.2)
                continue
            finally:
                self.traffic.count("", node, -1)
            if answer.status_code in RETRIED_STATUSES or (busy_retry and repeated and answer.status_code == 409):
                self.traffic.count(f"status {answer.status_code}")
                repeated = True
                time.sleep(0.5)
                continue
            return answer, repeated
        raise AssertionError(f"{method} {path}: no node answered after {ATTEMPTS} attempts")


def run_case(client: Integration, index: int) -> str:
    """Start one case, complete its review, pay it; return its case number.

    Odd cases pay once the case waits for the payment (after its timer fired); even ones pay
    at once, so the message is kept until the timer lets the case wait for it.
    """
    data = {"nombre": f"Persona {index}", "email": f"persona{index}@example.com", "esperas": 0, "pagos": 0}
    answer, _ = client.send("POST", f"/api/v1/processes/{PROCESS}/instances", json={"data": data},
                            headers={"Idempotency-Key": f"inicio-{index}"}, busy_retry=True)
    assert answer.status_code in (200, 201), (answer.status_code, answer.text)
    client.traffic.case_started()
    started = answer.json()
    (task,) = [t for t in started["next_tasks"] if t["element_id"] == "revisar"]
    _complete(client, task["id"])
    if index % 2:
        _wait_for_payment_wait(client, started["id"])
    message = {"correlation": {"expediente": started["number"]}, "data": {"importe": index},
               "message_id": f"pago-{index}", "ttl": 900}
    answer, _ = client.send("POST", f"/api/v1/messages/{MESSAGE}", json=message, busy_retry=True)
    assert answer.status_code == 202, (answer.status_code, answer.text)
    return str(started["number"])


def _complete(client: Integration, task_id: str) -> None:
    answer, repeated = client.send("POST", f"/api/v1/tasks/{task_id}/complete", json={"data": {"completo": True}})
    if answer.status_code == 409 and repeated:
        # The first attempt may have committed before its node died: the task tells.
        task, _ = client.send("GET", f"/api/v1/tasks/{task_id}")
        assert task.status_code == 200 and task.json()["status"] == "completed", task.text
        client.traffic.count("completion found done")
        return
    assert answer.status_code == 200, (answer.status_code, answer.text)


def _wait_for_payment_wait(client: Integration, instance_id: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer, _ = client.send("GET", f"/api/v1/instances/{instance_id}")
        assert answer.status_code == 200, answer.text
        if answer.json()["data"].get("esperas") == 1:
            return
        time.sleep(0.5)
    raise AssertionError(f"case {instance_id}: its timer did not fire in {timeout:.0f} s")
