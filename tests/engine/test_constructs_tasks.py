"""Activities through the REST API: script, business rule (DMN), service and manual tasks,
embedded sub-processes and call activities, multi-instance and standard loops."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from connectors.testing import EchoConnector
from tests.engine.test_constructs_common import Case
from tests.fixtures.engine import ApiClient


def test_script_task_computes_data_in_the_sandbox(api: ApiClient) -> None:
    items = [{"nombre": "Sellado", "precio": 100, "cantidad": 2}, {"nombre": "Copia", "precio": 50.5, "cantidad": 1}]
    case = Case.start(api, "script_tarea", {"items": items})
    assert case.status == "completed"
    assert case.path() == ["inicio", "calcular", "redondear", "fin"]
    assert case.data == {
        "subtotal": 250.5, "iva": 52.6, "detalle": ["Sellado x2", "Copia x1"],
        "resumen": {"subtotal": 250.5, "iva": 52.6, "total": 303.1}, "total_redondeado": 300,
        "referencia": f"Liquidación del expediente {case.detail['number']}",  # scripts read the case number
    }  # ``del items`` removed the input


@pytest.mark.parametrize(("rubro", "superficie", "tasa", "categoria", "requisitos"), [
    ("comercio", 50, 5000, "A", ["DNI del titular", "Contrato de locación"]),
    ("comercio", 300, 18000, "B", ["DNI del titular", "Contrato de locación", "Plano de evacuación"]),
    ("industria", 10, 20000, "C", ["DNI del titular", "Certificado ambiental"]),
    ("servicios", 1, 1000, "Z", ["DNI del titular"]),
])
def test_business_rule_tasks_apply_unique_and_collect_decision_tables(
        api: ApiClient, rubro: str, superficie: int, tasa: int, categoria: str, requisitos: list[str]) -> None:
    case = Case.start(api, "regla_negocio", {"rubro": rubro, "superficie": superficie})
    assert case.status == "completed"
    assert case.path() == ["inicio", "fijar_tasa", "listar_requisitos", "fin"]
    data = case.data
    # UNIQUE: the first matching rule's outputs (an output cell may be an expression: superficie * 60).
    assert (data["tasa"], data["categoria"]) == (tasa, categoria)
    # COLLECT: one list per output, in rule order.
    assert data["requisitos"] == requisitos


def test_service_task_calls_the_operation_with_evaluated_parameters(app: Flask, api: ApiClient) -> None:
    app.extensions["tramites"].connectors.register(EchoConnector)
    case = Case.start(api, "servicio", {"partida": "AB", "anio": 2025})
    assert case.status == "completed"
    assert case.path() == ["inicio", "consultar", "usar", "fin"]
    assert case.data["respuesta"] == {"valor": "AB-2026"}
    assert case.data["codigo"] == "AB-2026"


def test_manual_task_waits_for_a_person_and_then_runs_on(api: ApiClient) -> None:
    case = Case.start(api, "tarea_manual")
    task = case.detail["tasks"][0]
    assert (task["element_id"], task["kind"], task["candidate_group"]) == ("entregar", "manual", "mesa_entradas")
    assert case.path() == ["inicio"]
    case.complete("entregar")
    assert case.status == "completed"
    assert case.path() == ["inicio", "entregar", "registrar", "fin"]
    assert case.data["entregada"] is True


def test_embedded_subprocess_and_call_activity_share_and_return_data(api: ApiClient) -> None:
    case = Case.start(api, "subprocesos", {"documentos": ["dni", "plano", "titulo"]})
    assert case.ready() == ["v_revisar"]
    case.complete("v_revisar", {"revisado": True})
    assert case.ready() == ["l_confirmar"]  # inside the called process
    case.complete("l_confirmar", {"confirmado": True})
    assert case.status == "completed"
    assert case.path() == ["inicio", "v_inicio", "v_contar", "v_revisar", "v_fin", "verificar",
                           "l_inicio", "l_calcular", "l_confirmar", "l_fin", "liquidar", "fin"]
    data = case.data
    assert data["cantidad_documentos"] == 3  # computed in the sub-process, seen by the called process
    assert data["tasa"] == 300 and data["revisado"] is True and data["confirmado"] is True


def _instance_items(case: Case) -> list[Any]:
    return [case.api.get(f"/api/v1/tasks/{t['id']}").get_json()["data"].get("local") for t in case.detail["tasks"]]


def test_each_multi_instance_task_shows_its_own_item(api: ApiClient) -> None:
    case = Case.start(api, "multi_instancia", {"locales": ["L1", "L2", "L3"], "montos": [], "intentos": 0})
    assert sorted(_instance_items(case)) == ["L1", "L2", "L3"]


def test_multi_instance_and_loops(api: ApiClient) -> None:
    case = Case.start(api, "multi_instancia", {"locales": ["L1", "L2", "L3"], "montos": [100, 200], "intentos": 0})
    # Parallel multi-instance: one ready task per item, each with its own item.
    assert case.ready() == ["inspeccionar"] * 3
    case.complete("inspeccionar", {"informe": "Habilitable"})
    case.complete("inspeccionar", {"informe": "Clausurar"})
    assert case.ready() == ["inspeccionar"] and "con_iva" not in case.path()
    case.complete("inspeccionar", {"informe": "Observado"})
    # Sequential multi-instance script, then a standard loop of a script (intentos < 3) ran on their own;
    # now a standard loop over a user task repeats until it is signed.
    assert case.ready() == ["firmar"]
    case.complete("firmar", {"firmado": False})
    assert case.ready() == ["firmar"]
    case.complete("firmar", {"firmado": True})
    assert case.status == "completed"
    path = case.path()
    # Each instance or pass is recorded, then the loop activity itself (same element id) once.
    assert path == ["inicio", *["inspeccionar"] * 4, *["con_iva"] * 3, *["reintentar"] * 4, *["firmar"] * 3, "fin"]
    data: dict[str, Any] = case.data
    # The library appends parallel outputs in completion order, not item order.
    assert data["informes"] == ["Habilitable", "Clausurar", "Observado"]
    assert data["montos_con_iva"] == [121.0, 242.0]
    assert data["intentos"] == 3
    assert data["firmado"] is True


def test_multi_instance_by_cardinality_and_completion_condition(api: ApiClient) -> None:
    case = Case.start(api, "mi_cardinalidad", {"cantidad_cuotas": 3, "deuda": 300, "jurados": ["A", "B", "C"]})
    assert case.data["cuotas"] == [{"numero": n, "importe": 100.0} for n in (1, 2, 3)]
    assert case.ready() == ["votar"] * 3
    case.complete("votar", {"voto": True})
    case.complete("votar", {"voto": False})  # the completion condition (a rejection) ends the vote early
    detail = case.detail
    assert detail["status"] == "completed" and detail["tasks"] == []
    assert case.data["votos"] == [True, False]
    assert case.path() == ["inicio", *["generar_cuotas"] * 4, *["votar"] * 3, "fin"]
    assert [e["element_id"] for e in case.events() if e["type"] == "task_cancelled"] == ["votar"]
