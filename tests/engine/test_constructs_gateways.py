"""Gateways through the REST API: exclusive, inclusive, parallel and event-based."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from tests.engine.test_constructs_common import Case, send, with_clock
from tests.fixtures.engine import ApiClient


@pytest.mark.parametrize(("monto", "branch", "nivel"), [
    (5000, "nivel_alto", "alto"),
    (500, "nivel_medio", "medio"),
    (5, "nivel_bajo", "bajo"),  # no condition holds: the default flow
])
def test_exclusive_gateway_takes_the_one_branch_whose_condition_holds(
        api: ApiClient, monto: int, branch: str, nivel: str) -> None:
    case = Case.start(api, "gw_exclusivo", {"monto": monto})
    assert case.status == "completed"
    assert case.path() == ["inicio", "clasificar", branch, "unir", "fin"]
    assert case.data == {"monto": monto, "nivel": nivel}


def test_inclusive_gateway_runs_every_true_branch_and_joins_once(api: ApiClient) -> None:
    case = Case.start(api, "gw_inclusivo", {"requiere_legal": True, "requiere_tecnica": True})
    assert case.ready() == ["revision_legal", "revision_tecnica"]
    case.complete("revision_tecnica", {"dictamen_tecnico": "Sin objeciones técnicas"})
    assert case.ready() == ["revision_legal"] and case.status == "running"
    assert "juntar" not in case.path()  # the join waits for the legal branch
    case.complete("revision_legal", {"dictamen_legal": "Conforme"})
    assert case.status == "completed"
    assert case.path() == ["inicio", "dividir", "revision_tecnica", "revision_legal", "juntar", "resumir", "fin"]
    assert case.data["dictamenes"] == ["Conforme", "Sin objeciones técnicas"]


def test_inclusive_gateway_with_one_true_branch_does_not_wait_for_the_other(api: ApiClient) -> None:
    case = Case.start(api, "gw_inclusivo", {"requiere_legal": False, "requiere_tecnica": True})
    assert case.ready() == ["revision_tecnica"]
    case.complete("revision_tecnica", {"dictamen_tecnico": "Apto"})
    assert case.status == "completed"
    assert case.path() == ["inicio", "dividir", "revision_tecnica", "juntar", "resumir", "fin"]
    assert case.data["dictamenes"] == ["Apto"]


def test_inclusive_gateway_takes_the_default_when_no_condition_holds(api: ApiClient) -> None:
    case = Case.start(api, "gw_inclusivo", {"requiere_legal": False, "requiere_tecnica": False})
    assert case.status == "completed"
    assert case.path() == ["inicio", "dividir", "sin_revision", "juntar", "resumir", "fin"]
    assert case.data["sin_revision"] is True and case.data["dictamenes"] == []


def test_parallel_gateway_waits_for_every_branch_and_merges_their_data(api: ApiClient) -> None:
    case = Case.start(api, "gw_paralelo")
    assert case.ready() == ["inspeccionar", "verificar_deuda"]
    assert case.path() == ["inicio", "abrir", "calcular_tasa"]
    case.complete("verificar_deuda", {"deuda": 40})
    assert case.ready() == ["inspeccionar"] and "cerrar" not in case.path()
    case.complete("inspeccionar", {"multa": 10})
    assert case.status == "completed"
    assert case.path() == ["inicio", "abrir", "calcular_tasa", "verificar_deuda", "inspeccionar", "cerrar",
                           "totalizar", "fin"]
    assert case.data == {"tasa": 150, "multa": 10, "deuda": 40, "total": 200}


def test_event_based_gateway_follows_the_message_that_arrives_first(app: Flask, api: ApiClient) -> None:
    clock = with_clock(app)
    case = Case.start(api, "gw_eventos", {"expediente": "EX-7"}, clock)
    other = Case.start(api, "gw_eventos", {"expediente": "EX-8"}, clock)
    detail = case.detail
    assert detail["status"] == "waiting"
    assert detail["subscriptions"] == [{"message_name": "pago_tasa", "correlation": {"expediente": "EX-7"}}]
    assert detail["next_timer_at"] is not None  # the gateway's timer is indexed too
    response = send(api, "pago_tasa", {"expediente": "EX-7"}, {"importe": 900})
    assert response.status_code == 202, response.get_json()
    assert [i["id"] for i in response.get_json()["instances"]] == [case.id]
    assert case.status == "completed"
    assert case.path() == ["inicio", "esperar", "pago_recibido", "marcar_pagado", "fin_pagado"]
    assert case.data["estado"] == "pagado" and case.data["pago"] == {"importe": 900, "expediente": "EX-7"}
    assert other.status == "waiting"  # correlation kept the message away from the other case
    assert case.advance(app, timedelta(days=8)) == 1  # only the other case still had a timer
    assert case.path() == ["inicio", "esperar", "pago_recibido", "marcar_pagado", "fin_pagado"]


def test_event_based_gateway_follows_the_timer_when_no_message_comes(app: Flask, api: ApiClient) -> None:
    clock = with_clock(app)
    case = Case.start(api, "gw_eventos", {"expediente": "EX-9"}, clock)
    assert case.advance(app, timedelta(days=6)) == 0
    assert case.status == "waiting"
    assert case.advance(app, timedelta(days=1, minutes=1)) == 1
    assert case.status == "completed"
    assert case.path() == ["inicio", "esperar", "plazo_de_pago", "marcar_vencido", "fin_vencido"]
    assert case.data == {"expediente": "EX-9", "estado": "vencido"}
    late = send(api, "pago_tasa", {"expediente": "EX-9"}, {"importe": 1})
    assert late.status_code == 404  # nothing waits for the payment any more
