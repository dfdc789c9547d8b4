"""The workload of the scale-out fault test: a city integration driving cases over the REST API.

Each client thread plays one integration as a real one is written: it speaks to the web nodes
behind a load balancer (here: it takes them in turn), and on a connection error or a gateway
answer it sends the same request again, with the same ``Idempotency-Key`` (starts) or
``message_id`` (messages). A completion has no key: a repeat that finds the task no longer
ready asks the task whether the first attempt took effect.

Every third case, a neighbour also sends a reclamo with a photo through the public web form
(the platform's upload path: the photo goes to the S3 store, its case gets it as a document).
It posts the form without the token (``envio``) the page gives it, as a page rendered before
forms carried one would: a submission cut mid-way and sent again may open a second reclamo,
which the test allows and counts.
"""

from __future__ import annotations

import hashlib
import re
import struct
import threading
import time
import zlib
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
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RECLAMO = {"categoria": "alumbrado", "descripcion": "La luminaria de la esquina está apagada.",
           "lat": "-26.8303", "lon": "-65.2038", "direccion": "24 de Septiembre y Muñecas"}


@dataclass
class Traffic:
    """What the clients saw, shared by every thread: requests in flight per node, retries, progress."""

    nodes: list[str]
    photos: dict[str, int] = field(default_factory=dict)  # sha256 of each photo sent -> case index
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
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.browser = requests.Session()  # a neighbour's browser: a session cookie, no token
        self.turn = first_node

    def send(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None,
             busy_retry: bool = False, browser: bool = False, **body: Any) -> tuple[requests.Response, bool]:
        """Send until a node answers; ``busy_retry`` also repeats a 409 (the same key still in progress).

        :return: the answer and whether the request was sent more than once.
        """
        repeated = False
        session = self.browser if browser else self.api
        for _attempt in range(ATTEMPTS):
            node = self.traffic.nodes[self.turn % len(self.traffic.nodes)]
            self.turn += 1
            self.traffic.count("", node)
            try:
                answer = session.request(method, node + path, json=json, headers=headers or {}, timeout=60,
                                         allow_redirects=False, **body)
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
    if answer.status_code == 200:  # the first attempt had committed: its answer, replayed
        client.traffic.count("start replayed")
    client.traffic.case_started()
    started = answer.json()
    (task,) = [t for t in started["next_tasks"] if t["element_id"] == "revisar"]
    _complete(client, task["id"])
    if index % 3 == 0:
        _reclamo_with_photo(client, index)
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


def photo(index: int) -> bytes:
    """A 1×1 PNG of its own colour: each reclamo's photo has its own bytes and hash."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixel = bytes([0, index % 256, (index * 7) % 256, (index * 13) % 256, 255])
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixel)) + chunk(b"IEND", b"")


def _reclamo_with_photo(client: Integration, index: int) -> None:
    """The public form, as a browser sends it: its page first (session and CSRF token), then the photo."""
    # Behind the city's proxy (TRAMITES_TRUSTED_PROXIES): each neighbour has an address of their own.
    headers = {"X-Forwarded-For": f"10.24.{index // 250}.{index % 250 + 1}"}
    page, _ = client.send("GET", "/reclamos/nuevo", headers=headers, browser=True)
    found = CSRF.search(page.text)
    assert page.status_code == 200 and found, page.status_code
    image = photo(index)
    with client.traffic.lock:
        client.traffic.photos[hashlib.sha256(image).hexdigest()] = index
    sent, repeated = client.send("POST", "/reclamos/nuevo", headers=headers, browser=True,
                                 data={**RECLAMO, "csrf_token": found.group(1)},
                                 files={"fotos": (f"esquina-{index}.png", image, "image/png")})
    assert sent.status_code == 302 and "/reclamos/recibido/" in sent.headers["Location"], sent.text[:2000]
    if repeated:
        client.traffic.count("reclamo sent again")
