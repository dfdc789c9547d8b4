"""Concurrency: parallel completions, parallel message deliveries, parallel case numbers.

Each worker thread uses its own test client (its own request context and database
session), lined up on a barrier so that the requests really overlap.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fixtures.engine import ApiClient
from tests.fixtures.timing import in_parallel

WORKERS = 8


def test_parallel_completions_of_one_task_one_wins_the_others_conflict(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    task = api.ready_task(started["id"], "revisar")

    responses = in_parallel(4, lambda i: api.complete(task["id"], {"completo": True, "observaciones": f"n{i}"}))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409], [r.get_json() for r in responses]
    assert all(r.mimetype == "application/problem+json" for r in responses if r.status_code == 409)
    final = api.instance(started["id"])
    assert final["status"] == "completed"
    events = api.get(f"/api/v1/instances/{started['id']}/events?per_page=200").get_json()["items"]
    assert [e["type"] for e in events].count("task_completed") == 1


def test_parallel_case_number_allocation_has_no_duplicates_and_no_gaps(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201

    responses = in_parallel(WORKERS, lambda i: api.start("tramite_simple", {"solicitante": f"P{i}"}))

    assert [r.status_code for r in responses] == [201] * WORKERS, [r.get_json() for r in responses]
    numbers = sorted(r.get_json()["number"] for r in responses)
    sequence = [int(re.fullmatch(r"EX-\d{4}-(\d{6})-SMT-TST", n).group(1)) for n in numbers]  # type: ignore[union-attr]
    assert sequence == list(range(1, WORKERS + 1))


def test_parallel_messages_each_reach_their_own_instance(api: ApiClient) -> None:
    assert api.deploy("conc_pago").status_code == 201
    ids = [api.start("pago", {"liquidacion": f"L-{i}"}).get_json()["id"] for i in range(WORKERS)]

    def send(i: int) -> Any:
        return api.post("/api/v1/messages/pago_confirmado",
                        json={"correlation": {"liquidacion": f"L-{i}"}, "data": {"importe": 100 + i}})

    responses = in_parallel(WORKERS, send)

    assert [r.status_code for r in responses] == [202] * WORKERS, [r.get_json() for r in responses]
    for i, instance_id in enumerate(ids):
        reached = [x["id"] for x in responses[i].get_json()["instances"]]
        assert reached == [instance_id]
        final = api.instance(instance_id)
        assert final["status"] == "completed" and final["data"]["pagado"] == 100 + i


def test_the_same_message_sent_twice_at_once_is_delivered_once(api: ApiClient) -> None:
    assert api.deploy("conc_pago").status_code == 201
    instance_id = api.start("pago", {"liquidacion": "L-9"}).get_json()["id"]
    body = {"correlation": {"liquidacion": "L-9"}, "data": {"importe": 7}}

    responses = in_parallel(2, lambda i: api.post("/api/v1/messages/pago_confirmado", json=body))

    codes = sorted(r.status_code for r in responses)
    # One delivery; the other either conflicts on the instance or finds nobody waiting.
    assert codes[0] == 202 and codes[1] in (404, 409), [r.get_json() for r in responses]
    events = api.get(f"/api/v1/instances/{instance_id}/events?per_page=200").get_json()["items"]
    assert [e["type"] for e in events].count("message_received") == 1
