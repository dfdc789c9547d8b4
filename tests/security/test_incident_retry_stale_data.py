"""Issue #16, hole 1 (critical): retrying an incident brought back the data a case started with.

A citizen corrects start-form fields (attendance 450 -> 1,500, a replaced plan); a later service
task fails (a missing template, a connector down); the retry — by an operator through the API or
the staff page, or automatically — must run on the task data as it stood just before the failed
task, corrections included. It ran on the first values instead (the retry merged the case's
first data over the failed task's own), while variables computed later kept theirs, and the
certificate was issued with stale data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pytest
from flask import Flask

from connectors.base import JSON, Connector, ConnectorContext, TemporaryError, operation
from engine.background.runner import BackgroundRunner
from tests.fixtures.engine import ApiClient
from tests.fixtures.timing import Clock


class Issuer(Connector):
    """Issues a certificate; down (its template missing) until the test repairs it."""

    name = "emisor_prueba"
    down: ClassVar[bool] = True
    received: ClassVar[list[JSON]] = []

    @operation(params={"type": "object", "required": ["asistentes", "plano", "tasa"],
                       "properties": {"asistentes": {"type": "integer"}, "plano": {"type": "string"},
                                      "tasa": {"type": "integer"}}},
               result={"type": "object"})
    def emitir(self, params: JSON, context: ConnectorContext) -> JSON:
        """Emitir el certificado."""
        Issuer.received.append(dict(params))
        if Issuer.down:
            raise TemporaryError("Falta la plantilla del certificado")
        return {"asistentes": params["asistentes"], "plano": params["plano"], "tasa": params["tasa"]}


@pytest.fixture
def issuer(app: Flask) -> Iterator[type[Issuer]]:
    app.extensions["tramites"].connectors.register(Issuer)
    Issuer.down, Issuer.received = True, []
    yield Issuer
    Issuer.down, Issuer.received = True, []


def _retry_by_operator(app: Flask, api: ApiClient, clock: Clock, incident: dict[str, Any]) -> None:
    response = api.post(f"/api/v1/incidents/{incident['id']}:retry")
    assert response.status_code == 200, response.get_json()


def _retry_automatically(app: Flask, api: ApiClient, clock: Clock, incident: dict[str, Any]) -> None:
    clock.now = datetime.fromisoformat(incident["next_retry_at"]) + timedelta(seconds=1)
    runtime = app.extensions["tramites"]
    assert BackgroundRunner(app.app_context, runtime.engine_context).run_once() == 1


@pytest.mark.parametrize("retry", [_retry_by_operator, _retry_automatically], ids=["operator", "automatic"])
def test_an_incident_retry_runs_on_the_corrected_data_not_the_first_values(
        app: Flask, api: ApiClient, clock: Clock, issuer: type[Issuer], retry: Any) -> None:
    assert api.deploy("seg_reintento").status_code == 201
    started = api.start("seg_reintento", {"asistentes": 450, "plano": "plano-v1.pdf"})
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["id"]

    correction = api.ready_task(instance_id, "corregir")
    fixed = api.complete(correction["id"], {"asistentes": 1500, "plano": "plano-v2.pdf"})
    assert fixed.status_code == 200, fixed.get_json()
    failed = api.instance(instance_id)
    assert failed["status"] == "error"
    (incident,) = failed["incidents"]
    assert incident["element_id"] == "emitir" and incident["status"] == "retrying"
    assert issuer.received == [{"asistentes": 1500, "plano": "plano-v2.pdf", "tasa": 15000}]

    issuer.down = False  # the template is back
    retry(app, api, clock, incident)

    after = api.instance(instance_id)
    assert after["incidents"] == [] and after["status"] == "running"
    assert issuer.received[-1] == {"asistentes": 1500, "plano": "plano-v2.pdf", "tasa": 15000}
    assert after["data"]["certificado"] == {"asistentes": 1500, "plano": "plano-v2.pdf", "tasa": 15000}
    assert (after["data"]["asistentes"], after["data"]["plano"]) == (1500, "plano-v2.pdf")
    assert [t["element_id"] for t in after["tasks"]] == ["entregar"]
