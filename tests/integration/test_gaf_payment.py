"""A process assesses a fee in GAF, waits, and moves on when GAF's signed payment notice arrives.

The platform runs over real HTTP with the embedded GAF sandbox: the connector calls the
sandbox at ``/_sandbox/gaf``, the "Pagar" button of the slip sends the signed webhook to
``/hooks/gaf``, and the engine correlates it by liquidación number.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from flask import Flask

from tests.fixtures.browser import LiveServer
from tests.fixtures.engine import GAF_SANDBOX, ApiClient, make_token
from tests.fixtures.require import free_port

APPLICANT = {"nombre": "Ana Pérez", "dni": "30111222", "importe": "1500.00", "referencia": "EX-2026-000001-SMT-PGF"}


def _wait_for(api: ApiClient, instance_id: str, status: str, seconds: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        found = api.instance(instance_id)
        if found["status"] == status or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_payment_notice_by_webhook_moves_the_process_on(make_app: Callable[..., Flask],
                                                          live_server: Callable[..., LiveServer]) -> None:
    port = free_port()
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}", **GAF_SANDBOX)
    url = live_server(app, port).url
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy("gaf_pago").status_code == 201
    started = api.start("pago_gaf", APPLICANT).get_json()
    waiting = api.instance(started["id"])
    assert waiting["status"] == "waiting", waiting
    slip = waiting["data"]["boleta"]
    assert slip["estado"] == "pendiente" and slip["importe"] == "1500.00"
    assert [s["message_name"] for s in waiting["subscriptions"]] == ["pago_confirmado"]
    assert _slips_for_the_citizen(app, started["id"]) == [slip["url_boleta"]]  # the portal offers it

    paid = requests.post(f"{url}/_sandbox/gaf/boletas/{slip['numero']}/pagar", allow_redirects=False, timeout=10)

    assert paid.status_code == 303
    final = _wait_for(api, started["id"], "completed")
    assert final["status"] == "completed", final
    assert final["data"]["pagado"] is True and final["data"]["pago"]["numero"] == slip["numero"]
    events = api.get(f"/api/v1/instances/{started['id']}/events?per_page=200").get_json()["items"]
    received = [e for e in events if e["type"] == "message_received"]
    assert [e["actor"] for e in received] == ["webhook:gaf"]
    assert _slips_for_the_citizen(app, started["id"]) == []  # paid: nothing more to pay


def _slips_for_the_citizen(app: Flask, instance_id: str) -> list[str]:
    from engine.citizens import cases
    from engine.db import db
    from engine.models import Instance

    with app.app_context():
        instance = db.session.get(Instance, instance_id)
        summary = cases.summarize(instance, datetime.now(UTC), "America/Argentina/Tucuman")
        urls = [slip.url for slip in summary.slips]
        db.session.remove()
        return urls


def test_a_notice_with_a_bad_signature_is_refused_and_changes_nothing(make_app: Callable[..., Flask]) -> None:
    app = make_app(GAF_WEBHOOK_SECRET="secreto-de-los-avisos")
    body = b'{"id": "ev-1", "evento": "pago_confirmado"}'
    refused = app.test_client().post("/hooks/gaf", data=body, headers={"X-GAF-Signature": "0" * 64})
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert "firma" in refused.get_json()["detail"]
    unknown = app.test_client().post("/hooks/desconocido", data=b"{}")
    assert unknown.status_code == 404
