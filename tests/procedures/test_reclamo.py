"""The reclamo procedure (REC) end to end through the REST API: routing, answers, corrections, timers.

Reclamos have no fee, so no GAF payment takes part; the document they issue is the signed
constancia of the area's answer, filed in the expediente and verifiable by anyone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.fixtures.smtp import SmtpServer
from tests.procedures.conftest import Case, Platform

#: Plaza Independencia (microcentro) and a point in the south of the city (barrios).
CENTRO = {"lat": -26.8303, "lon": -65.2038}
BARRIO = {"lat": -26.8600, "lon": -65.2300}
RESOLVERS = {"alumbrado": "resolver_alumbrado", "baches": "resolver_baches", "residuos": "resolver_residuos",
             "arbolado": "resolver_arbolado", "otros": "resolver_otros"}


def reclamo(categoria: str = "alumbrado", **extra: Any) -> dict[str, Any]:
    """The start data of a reclamo, as a channel sends it."""
    data: dict[str, Any] = {"categoria": categoria, "descripcion": "La luminaria de la esquina está apagada.",
                            "ubicacion": CENTRO, "direccion": "24 de Septiembre y Muñecas", "canal": "api",
                            "anonimo": False}
    data.update(extra)
    return data


def path(case: Case) -> list[str]:
    """Element ids in the order the audit trail recorded their completion (the API pages by 200)."""
    response = case.platform.api.get(f"/api/v1/instances/{case.id}/events?per_page=200")
    assert response.status_code == 200, response.get_json()
    return [e["element_id"] for e in response.get_json()["items"] if e["type"] == "element_completed"]


def _group_of(case: Case, element: str) -> str:
    return str(case.task(element)["candidate_group"])


@pytest.fixture
def reclamos(platform: Platform) -> Platform:
    platform.deploy("reclamo")
    return platform


def test_each_category_and_zone_reaches_its_area(reclamos: Platform) -> None:
    expected = {"alumbrado": "alumbrado", "baches": "obras_publicas", "residuos": "cuadrilla_recoleccion",
                "arbolado": "espacios_verdes", "otros": "atencion_vecino"}
    for categoria, group in expected.items():
        case = reclamos.start("reclamo", reclamo(categoria))
        assert case.number.endswith("-SMT-REC")
        assert case.ready() == [RESOLVERS[categoria]]
        assert _group_of(case, RESOLVERS[categoria]) == group
        assert case.data["area"] == group and case.data["zona"] == "centro"
    # the zone changes the priority: waste in the microcentro before waste in the neighbourhoods
    centro = reclamos.start("reclamo", reclamo("residuos"))
    barrio = reclamos.start("reclamo", reclamo("residuos", ubicacion=BARRIO))
    assert barrio.data["zona"] == "barrios"
    assert centro.data["prioridad"] > barrio.data["prioridad"]


def test_resolved_the_neighbour_is_told_and_rates_the_answer(make_platform: Any, smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    platform = make_platform(**smtp_server.settings())
    platform.deploy("reclamo")
    case = platform.start("reclamo", reclamo(contacto={"nombre": "Ana", "email": "ana@example.com"}))
    case.complete("resolver_alumbrado", {"resultado": "resuelto", "respuesta": "Se cambió la lámpara el martes."})
    assert case.ready() == ["calificar"]
    assert case.data["estado"] == "resuelto"
    # the signed constancia of the answer is filed and anyone can verify it
    documents = case.documents()
    assert [d.title for d in documents] == ["Constancia de respuesta a un reclamo"]
    verdict = platform.verify(case.data["certificado"]["codigo"])
    assert verdict["verdict"] == "auténtico" and verdict["certificate"]["case_number"] == case.number
    mail = smtp_server.wait_for(1)[0]
    assert "ana@example.com" in str(mail)
    case.complete("calificar", {"calificacion": 5, "comentario": "Muy rápido."})
    assert case.status == "completed"
    assert case.data["calificado"] is True and case.data["calificacion"] == 5
    assert path(case)[-3:] == ["calificar", "registrar_calificacion", "fin"]


def test_the_area_asks_for_more_data_and_the_neighbour_answers(reclamos: Platform) -> None:
    case = reclamos.start("reclamo", reclamo("baches", ubicacion=BARRIO))
    case.complete("resolver_baches", {"resultado": "pedir_datos", "respuesta": "¿Entre qué números de la calle?"})
    assert case.ready() == ["ampliar"]
    assert case.task("ampliar")["for_applicant"] is True
    case.complete("ampliar", {"ampliacion": "Frente al 1200, del lado de los números pares."})
    assert case.ready() == ["resolver_baches"]
    assert case.data["ampliaciones"] == [{"consulta": "¿Entre qué números de la calle?",
                                         "respuesta": "Frente al 1200, del lado de los números pares."}]
    case.complete("resolver_baches", {"resultado": "no_corresponde",
                                      "respuesta": "Es una calle provincial: lo derivamos a Vialidad."})
    assert case.data["estado"] == "no_corresponde"
    assert case.ready() == ["calificar"]


def test_rejected_and_never_rated_closes_after_seven_days(reclamos: Platform) -> None:
    case = reclamos.start("reclamo", reclamo("arbolado"))
    case.complete("resolver_arbolado", {"resultado": "no_corresponde",
                                        "respuesta": "El árbol está en un patio privado."})
    assert case.ready() == ["calificar"]
    assert reclamos.advance(timedelta(days=6, hours=23)) == 0
    assert case.ready() == ["calificar"]
    assert reclamos.advance(timedelta(hours=2)) == 1
    assert case.status == "completed" and case.ready() == []
    assert case.data["calificado"] is False
    assert "cerrar_sin_calificacion" in path(case)


def test_unanswered_request_for_data_expires(reclamos: Platform) -> None:
    case = reclamos.start("reclamo", reclamo("otros"))
    case.complete("resolver_otros", {"resultado": "pedir_datos", "respuesta": "¿Qué problema observó?"})
    assert reclamos.advance(timedelta(days=10, minutes=1)) == 1
    assert case.status == "completed"
    assert case.data["estado"] == "cerrado_sin_datos"
    assert case.documents() == []


def test_anonymous_reclamos_skip_the_neighbours_tasks(reclamos: Platform) -> None:
    answered = reclamos.start("reclamo", reclamo("residuos", anonimo=True, canal="qr"))
    answered.complete("resolver_residuos", {"resultado": "resuelto", "respuesta": "Se retiraron los residuos."})
    assert answered.status == "completed" and answered.ready() == []
    assert [d.title for d in answered.documents()] == ["Constancia de respuesta a un reclamo"]
    unclear = reclamos.start("reclamo", reclamo("residuos", anonimo=True))
    unclear.complete("resolver_residuos", {"resultado": "pedir_datos", "respuesta": "No encontramos el lugar."})
    assert unclear.status == "completed" and unclear.data["estado"] == "cerrado_sin_datos"


def test_bad_start_data_is_refused_field_by_field(reclamos: Platform) -> None:
    response = reclamos.api.start("reclamo", {"categoria": "ovnis", "descripcion": "corta", "canal": "web",
                                             "anonimo": True, "ubicacion": {"lat": 10, "lon": -65.2}})
    assert response.status_code == 422, response.get_json()
    pointers = {e["pointer"] for e in response.get_json()["errors"]}
    assert {"/categoria", "/descripcion", "/ubicacion/lat"} <= pointers
    refused = reclamos.start("reclamo", reclamo("baches")).submit("resolver_baches", {"resultado": "resuelto"})
    assert refused.status_code == 422
