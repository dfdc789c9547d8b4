"""Message events through ``POST /api/v1/messages/{name}``: start, catch with correlation, throw."""

from __future__ import annotations

import pytest

from tests.engine.test_constructs_common import Case, send
from tests.fixtures.engine import ApiClient


def test_message_start_event_starts_a_case_with_the_payload(api: ApiClient) -> None:
    assert api.deploy("msg_inicio").status_code == 201
    response = send(api, "solicitud_externa", {}, {"sistema": "GDE", "titular": "Ana Gómez"})
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["started"] is True and len(body["instances"]) == 1
    case = Case(api, body["instances"][0]["id"])
    assert case.ready() == ["atender"]
    assert case.data["origen"] == "GDE" and case.data["titular"] == "Ana Gómez"
    case.complete("atender")
    assert case.status == "completed"
    assert case.path() == ["inicio_mensaje", "registrar", "atender", "fin"]
    assert case.data["solicitud"] == {"sistema": "GDE", "titular": "Ana Gómez"}


def test_intermediate_catch_reaches_only_the_instance_with_the_same_correlation(api: ApiClient) -> None:
    first = Case.start(api, "msg_captura", {"expediente": "EX-1"})
    second = Case.start(api, "msg_captura", {"expediente": "EX-2"})
    assert first.status == second.status == "waiting"
    assert second.detail["subscriptions"] == [{"message_name": "pago_confirmado",
                                               "correlation": {"expediente": "EX-2"}}]
    response = send(api, "pago_confirmado", {"expediente": "EX-2"}, {"importe": 450})
    assert response.status_code == 202, response.get_json()
    assert [i["id"] for i in response.get_json()["instances"]] == [second.id]
    assert second.status == "completed"
    assert second.path() == ["inicio", "esperar_pago", "registrar", "fin"]
    assert second.data["pagado"] == 450 and second.data["pago"] == {"importe": 450, "expediente": "EX-2"}
    assert first.status == "waiting" and first.path() == ["inicio"]
    received = [e for e in second.events() if e["type"] == "message_received"]
    assert received[0]["data"]["correlation"] == {"expediente": "EX-2"}


def test_a_message_with_an_unknown_correlation_reaches_nobody(api: ApiClient) -> None:
    case = Case.start(api, "msg_captura", {"expediente": "EX-1"})
    response = send(api, "pago_confirmado", {"expediente": "EX-404"}, {"importe": 1})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert case.status == "waiting" and case.detail["subscriptions"][0]["correlation"] == {"expediente": "EX-1"}


def test_a_message_thrown_inside_an_instance_is_caught_by_the_same_instance(api: ApiClient) -> None:
    case = Case.start(api, "msg_envio", {"expediente": "EX-5"})
    assert case.ready() == ["preparar"]
    assert case.detail["subscriptions"][0]["message_name"] == "aviso_interno"
    case.complete("preparar", {"texto": "Documentación recibida"})
    assert case.status == "completed"
    assert case.path() == ["inicio", "abrir", "preparar", "enviar_aviso", "recibir_aviso", "cerrar", "avisar_afuera"]
    assert case.data["aviso"] == {"expediente": "EX-5", "texto": "Documentación recibida"}


def test_a_message_thrown_by_one_instance_reaches_another_that_waits_for_it(api: ApiClient) -> None:
    waiting = Case.start(api, "msg_captura", {"expediente": "EX-6"})
    other = Case.start(api, "msg_captura", {"expediente": "EX-7"})
    thrower = Case.start(api, "msg_envio", {"expediente": "EX-6"})
    thrower.complete("preparar", {"texto": "listo"})  # its end event throws pago_confirmado for EX-6
    assert thrower.status == "completed"
    assert other.status == "waiting"
    assert waiting.status == "completed"
    assert waiting.path() == ["inicio", "esperar_pago", "registrar", "fin"]
    assert waiting.data["pagado"] == 250


def test_receive_task_message_boundary_and_send_task(api: ApiClient) -> None:
    case = Case.start(api, "msg_tareas", {"expediente": "EX-11"})
    assert case.detail["subscriptions"] == [{"message_name": "documentos_enviados",
                                             "correlation": {"expediente": "EX-11"}}]
    assert send(api, "documentos_enviados", {"expediente": "EX-11"}, {"archivos": ["plano.pdf"]}).status_code == 202
    assert case.ready() == ["revisar"]
    assert case.detail["subscriptions"] == [{"message_name": "desistimiento", "correlation": {"expediente": "EX-11"}}]
    case.complete("revisar", {"resultado": "aprobado"})
    assert case.status == "completed"
    assert case.path() == ["inicio", "recibir_documentos", "revisar", "notificar", "fin"]
    assert case.data["documentos"] == {"archivos": ["plano.pdf"], "expediente": "EX-11"}


def test_interrupting_message_boundary_cancels_the_task(api: ApiClient) -> None:
    case = Case.start(api, "msg_tareas", {"expediente": "EX-12"})
    send(api, "documentos_enviados", {"expediente": "EX-12"}, {"archivos": []})
    response = send(api, "desistimiento", {"expediente": "EX-12"}, {"motivo": "mudanza"})
    assert response.status_code == 202, response.get_json()
    detail = case.detail
    assert detail["status"] == "completed" and detail["tasks"] == []
    assert case.path() == ["inicio", "recibir_documentos", "desistio", "archivar", "fin_archivado"]
    assert case.data["motivo_archivo"] == "mudanza"
    assert [e["element_id"] for e in case.events() if e["type"] == "task_cancelled"] == ["revisar"]


def test_non_interrupting_event_subprocess_runs_beside_the_main_flow(api: ApiClient) -> None:
    case = Case.start(api, "subproceso_evento")
    names = sorted(s["message_name"] for s in case.detail["subscriptions"])
    assert names == ["cancelacion_de_oficio", "consulta_ciudadana"]  # found by its event sub-processes
    response = send(api, "consulta_ciudadana", {}, {"pregunta": "¿Cuál es el plazo?"})
    assert response.status_code == 202, response.get_json()
    assert case.ready() == ["c_responder", "tramitar"]
    case.complete("c_responder", {"respuesta": "30 días"})
    case.complete("tramitar")
    assert case.status == "completed"
    assert case.path() == ["inicio", "c_inicio", "c_responder", "c_fin", "atender_consulta", "tramitar", "fin"]
    assert case.detail["subscriptions"] == []


@pytest.mark.xfail(strict=True, reason="SpiffWorkflow 3.2.0 ignores isInterrupting on event sub-process starts: "
                   "the main flow is not cancelled")
def test_interrupting_event_subprocess_cancels_the_main_flow(api: ApiClient) -> None:
    case = Case.start(api, "subproceso_evento")
    assert send(api, "cancelacion_de_oficio", {}, {"resolucion": "R-12"}).status_code == 202
    assert case.data["cancelado_por"] == "R-12"
    assert case.status == "completed" and case.ready() == []
