"""The BPMN MIWG reference models: each deploys or is refused with a clear problem list.

C.1.0 and C.9.1 run to their end, driven through the REST API. The outcome per file is
recorded in ``docs/bpmn-coverage.md``; this test keeps that table honest.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.background.jobs import run_due_work
from engine.db import utcnow
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpora" / "bpmn-miwg"
COVERAGE = REPO / "docs" / "bpmn-coverage.md"
MODELS = sorted(p.name for p in CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
#: Files that deploy as they are (with warnings where the platform adapted them).
DEPLOYS = {"C.1.0.bpmn", "C.9.1.bpmn"}

needs_corpus = pytest.mark.skipif(not MODELS, reason=f"the MIWG corpus is not at {CORPUS}")


def _deploy(api: ApiClient, name: str) -> Any:
    content = (CORPUS / name).read_bytes()
    return api.post("/api/v1/deployments", data={"files": [(io.BytesIO(content), name)]},
                    content_type="multipart/form-data")


def _complete(api: ApiClient, instance_id: str, element: str, data: dict[str, Any]) -> None:
    task = api.ready_task(instance_id, element)
    response = api.complete(task["id"], data)
    assert response.status_code == 200, response.get_json()


def _recorded_outcomes() -> dict[str, str]:
    rows = [line.split("|") for line in COVERAGE.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    return {cells[1].strip(): cells[2].strip() for cells in rows if cells[1].strip().endswith(".bpmn")}


@needs_corpus
@pytest.mark.parametrize("name", MODELS)
def test_each_model_deploys_or_is_refused_with_its_problems(api: ApiClient, name: str) -> None:
    response = _deploy(api, name)
    assert response.status_code in (200, 201, 422), response.get_data(as_text=True)
    if name in DEPLOYS:
        assert response.status_code == 201, response.get_json()
        assert all(w["file"] == name and w["message"] for w in response.get_json()["warnings"])
        return
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert errors and all(e["message"] and e["file"] in (name, "manifest.yaml") for e in errors), errors


@needs_corpus
def test_the_coverage_table_records_every_model() -> None:
    recorded = _recorded_outcomes()
    assert sorted(recorded) == MODELS
    assert {n for n, outcome in recorded.items() if outcome.startswith("despliega")} == DEPLOYS


@needs_corpus
def test_c_1_0_invoice_runs_to_its_end(api: ApiClient) -> None:
    assert _deploy(api, "C.1.0.bpmn").status_code == 201
    sent = api.post("/api/v1/messages/invoice-received-C.1.0", json={"correlation": {}, "data": {}})
    assert sent.status_code == 202 and sent.get_json()["started"], sent.get_json()
    instance_id = sent.get_json()["instances"][0]["id"]
    _complete(api, instance_id, "assignApprover", {"approver": "ana"})
    _complete(api, instance_id, "approveInvoice", {"approved": False})  # to review, and back
    _complete(api, instance_id, "reviewInvoice", {"clarified": "yes"})
    _complete(api, instance_id, "approveInvoice", {"approved": True})
    _complete(api, instance_id, "prepareBankTransfer", {})
    final = api.instance(instance_id)
    assert final["status"] == "completed", final
    path = [e["element_id"] for e in api.get(f"/api/v1/instances/{instance_id}/events?per_page=200")
            .get_json()["items"] if e["type"] == "element_completed"]
    assert path[-2:] == ["archiveInvoice", "invoiceProcessed"]


@needs_corpus
def test_c_9_1_ends_when_the_document_arrives(api: ApiClient) -> None:
    assert _deploy(api, "C.9.1.bpmn").status_code == 201
    started = api.start("requestDocument_en").get_json()
    assert api.instance(started["id"])["status"] == "waiting"
    sent = api.post("/api/v1/messages/MESSAGE_documentReceived", json={"correlation": {}, "data": {"doc": 1}})
    assert sent.status_code == 202 and [i["id"] for i in sent.get_json()["instances"]] == [started["id"]]
    assert api.instance(started["id"])["status"] == "completed"


@needs_corpus
def test_c_9_1_calls_the_customer_after_a_week(app: Flask, api: ApiClient) -> None:
    assert _deploy(api, "C.9.1.bpmn").status_code == 201
    started = api.start("requestDocument_en").get_json()
    runtime = app.extensions["tramites"]
    later = utcnow() + timedelta(days=8)
    runtime.clock = lambda: later
    with app.app_context():
        assert run_due_work(runtime.engine_context(), unit_of_work) >= 1
    _complete(api, started["id"], "UserTask_CallCustomer", {})
    final = api.instance(started["id"])
    assert final["status"] == "completed", final
