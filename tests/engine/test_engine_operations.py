"""The engine-operations seam (engine.workflow.operations): the engine answers its own operations,
hands every other one to the connectors, and an engine operation's failure becomes an incident
exactly as a connector's does."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy import func, select

from connectors.testing import EchoConnector
from engine.db import db
from engine.notices.models import Notice
from engine.workflow.operations import EngineOperations, OperationUnavailable
from engine.workflow.step import EngineContext
from tests.fixtures.engine import BUNDLES, ApiClient

CTX = cast(EngineContext, object())  # only passed through: the seam never reads it


def _engine_operation(calls: list[tuple[Any, ...]]) -> Any:
    def answer(ctx: EngineContext, params: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
        calls.append((ctx, params, facts))
        return {"de": "motor"}
    return answer


def test_the_engine_answers_its_own_operations_and_hands_the_rest_to_the_connectors() -> None:
    engine_calls: list[tuple[Any, ...]] = []
    connector_calls: list[tuple[Any, ...]] = []

    def connectors(operation: str, params: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
        connector_calls.append((operation, params, facts))
        return {"de": "conector"}

    operations = EngineOperations({"motor/operar": _engine_operation(engine_calls)})
    call = operations.calling(CTX, connectors)
    facts = {"instance_id": "i-1", "element_id": "llamar"}

    assert call("motor/operar", {"a": 1}, facts) == {"de": "motor"}
    assert engine_calls == [(CTX, {"a": 1}, facts)] and connector_calls == []
    assert call("eco/eco", {"b": 2}, facts) == {"de": "conector"}
    assert connector_calls == [("eco/eco", {"b": 2}, facts)] and len(engine_calls) == 1
    assert operations.names() == frozenset({"motor/operar"})


def test_without_connectors_an_unknown_operation_is_a_permanent_error_naming_it() -> None:
    call = EngineOperations({"motor/operar": _engine_operation([])}).calling(CTX, None)
    with pytest.raises(OperationUnavailable) as raised:
        call("gaf/emitir_boleta", {}, {})
    assert raised.value.temporary is False and "gaf/emitir_boleta" in raised.value.message
    assert call("motor/operar", {}, {}) == {"de": "motor"}


def test_the_platform_offers_the_engine_operations_beside_the_connectors(app: Flask) -> None:
    runtime = app.extensions["tramites"]
    runtime.connectors.register(EchoConnector)
    assert {"notificaciones/notificar", "eco/fallar"} <= runtime.operations()


def _bundle_calling(tmp_path: Path, operation: str, params: str) -> Path:
    """``svc_fallar`` with its service task calling ``operation`` with ``params`` (spiff parameter XML)."""
    target = tmp_path / "svc_fallar"
    shutil.copytree(BUNDLES / "svc_fallar", target)
    bpmn = target / "svc_fallar.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    start = text.index("<spiffworkflow:parameters>") + len("<spiffworkflow:parameters>")
    end = text.index("</spiffworkflow:parameters>")
    text = text[:start] + params + text[end:]
    bpmn.write_text(text.replace('id="eco/fallar"', f'id="{operation}"'), encoding="utf-8")
    return target


def _failed(api: ApiClient, folder: Path, data: dict[str, Any]) -> dict[str, Any]:
    deployed = api.deploy(folder)
    assert deployed.status_code == 201, deployed.get_json()
    started = api.start("svc_fallar", data)
    assert started.status_code == 201, started.get_json()
    detail: dict[str, Any] = api.instance(started.get_json()["id"])
    assert detail["status"] == "error" and len(detail["incidents"]) == 1, detail["incidents"]
    return detail


def test_an_engine_operation_failing_is_an_incident_like_a_connector_failing(
        app: Flask, api: ApiClient, tmp_path: Path) -> None:
    app.extensions["tramites"].connectors.register(EchoConnector)
    by_connector = _failed(api, BUNDLES / "svc_fallar", {"tipo": "permanente", "mensaje": "CUIT inexistente"})
    # A folio the case does not have: notificaciones/notificar refuses it for good.
    by_engine = _failed(api, _bundle_calling(tmp_path, "notificaciones/notificar",
                                             '<spiffworkflow:parameter id="documento" type="int" value="99"/>'), {})

    for detail in (by_connector, by_engine):
        [incident] = detail["incidents"]
        assert (incident["kind"], incident["status"], incident["element_id"]) == ("service", "open", "llamar")
        assert incident["attempts"] == 1 and incident["next_retry_at"] is None
        assert detail["data"]["antes"] == "hecho" and "respuesta" not in detail["data"]
    assert "CUIT inexistente" in by_connector["incidents"][0]["message"]
    assert "debe nombrar un documento de este expediente" in by_engine["incidents"][0]["message"]
    with app.app_context():  # what the operation began rolled back with its step
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
