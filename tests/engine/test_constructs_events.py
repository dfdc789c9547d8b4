"""Error, escalation and terminate events through the REST API."""

from __future__ import annotations

from tests.engine.test_constructs_common import Case
from tests.fixtures.engine import ApiClient


def test_subprocess_ending_normally_is_not_caught_by_its_error_boundary(api: ApiClient) -> None:
    case = Case.start(api, "errores")
    case.complete("v_revisar", {"valida": True, "motivo": ""})
    assert case.status == "completed"
    assert case.path() == ["inicio", "v_inicio", "v_revisar", "v_decidir", "v_fin", "validar", "aprobar", "fin"]
    assert case.data["estado"] == "aprobado"


def test_error_end_event_is_caught_by_the_boundary_with_its_payload(api: ApiClient) -> None:
    case = Case.start(api, "errores")
    case.complete("v_revisar", {"valida": False, "motivo": "falta el plano"})
    assert case.status == "completed"
    path = case.path()
    assert path == ["inicio", "v_inicio", "v_revisar", "v_decidir", "v_error", "validar", "doc_invalida",
                    "rechazar", "fin_rechazo"]
    assert "aprobar" not in path
    assert case.data["error_doc"] == {"motivo": "falta el plano"}
    assert case.data["estado"] == "rechazado: falta el plano"
    assert case.detail["incidents"] == []  # a modelled error is a path, not an incident


def test_escalation_nothing_to_escalate(api: ApiClient) -> None:
    case = Case.start(api, "escalamiento", {"monto": 10, "urgente": False})
    assert case.ready() == ["e_resolver"]
    case.complete("e_resolver")
    assert case.status == "completed"
    assert case.path() == ["inicio", "e_inicio", "e_monto", "e_urgencia", "e_resolver", "e_fin", "evaluar", "fin"]


def test_non_interrupting_escalation_opens_a_parallel_path_and_the_subprocess_goes_on(api: ApiClient) -> None:
    case = Case.start(api, "escalamiento", {"monto": 10, "urgente": True})
    assert case.ready() == ["avisar_jefe", "e_resolver"]
    case.complete("avisar_jefe")
    assert case.ready() == ["e_resolver"] and case.status == "running"
    case.complete("e_resolver")
    assert case.status == "completed"
    assert case.path() == ["inicio", "e_inicio", "e_monto", "e_urgencia", "e_avisar", "urgencia", "avisar_jefe",
                           "fin_aviso", "e_resolver", "e_fin", "evaluar", "fin"]


def test_interrupting_escalation_end_event_leaves_by_the_boundary(api: ApiClient) -> None:
    case = Case.start(api, "escalamiento", {"monto": 20000, "urgente": True})
    assert case.status == "completed"
    path = case.path()
    assert path[:4] == ["inicio", "e_inicio", "e_monto", "e_derivar"]
    assert path[-3:] == ["monto_alto", "derivar", "fin_derivado"]
    assert "fin" not in path and "e_resolver" not in path and "urgencia" not in path
    assert case.data["derivado_a"] == "Secretaría de Hacienda"


def test_terminate_end_event_cancels_the_other_branches(api: ApiClient) -> None:
    case = Case.start(api, "terminacion")
    assert case.ready() == ["desistir", "tramitar"]
    case.complete("desistir", {"desiste": True})
    detail = case.detail
    assert detail["status"] == "completed" and detail["tasks"] == []
    assert case.path() == ["inicio", "abrir", "desistir", "hay_desistimiento", "archivar", "terminar"]
    cancelled = [e["element_id"] for e in case.events() if e["type"] == "task_cancelled"]
    assert cancelled == ["tramitar"]
    assert case.data["archivado"] is True


def test_without_terminate_the_parallel_join_waits_for_both_branches(api: ApiClient) -> None:
    case = Case.start(api, "terminacion")
    case.complete("desistir", {"desiste": False})
    assert case.ready() == ["tramitar"] and case.status == "running"
    case.complete("tramitar")
    assert case.status == "completed"
    assert case.path() == ["inicio", "abrir", "desistir", "hay_desistimiento", "tramitar", "cerrar", "fin"]
