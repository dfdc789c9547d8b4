"""The street-use permit (VP) end to end through the REST API.

A DMN picks the fee and the areas that must give their opinion (Tránsito, Obras Públicas,
Espacios Verdes, in parallel through an inclusive gateway); any rejection ends the case at
once; the fee is paid through the GAF sandbox and its signed webhook; the permit is a signed
certificate with a QR code; a timer closes the permit at its end date and asks Obras
Públicas for the final inspection.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.fixtures.smtp import SmtpServer
from tests.procedures.conftest import Case, Platform

KEY = "permiso_via_publica"
CITY = ZoneInfo("America/Argentina/Tucuman")
#: Plaza Independencia.
PLAZA = {"direccion": "24 de Septiembre 450", "lat": -26.8303, "lon": -65.2038}
REVIEWS = {"transito": "revisar_transito", "obras_publicas": "revisar_obras", "espacios_verdes": "revisar_verdes"}


def city_today(platform: Platform) -> date:
    return platform.clock.now.astimezone(CITY).date()


def solicitud(platform: Platform, tipo: str = "contenedor", first: int = 1, last: int = 5,
              **extra: Any) -> dict[str, Any]:
    """Start data for a permit from ``first`` to ``last`` days after the city's today."""
    today = city_today(platform)
    data: dict[str, Any] = {
        "tipo": tipo, "nombre": "Ana Pérez", "cuit": "27301112223", "email": "ana@example.com",
        "ubicacion": PLAZA, "fecha_desde": (today + timedelta(days=first)).isoformat(),
        "fecha_hasta": (today + timedelta(days=last)).isoformat(), "superficie_m2": 12,
        "ocupa_calzada": True, "en_espacio_verde": False,
        "descripcion": "Contenedor de 5 m³ para escombros de una refacción.",
    }
    data.update(extra)
    return data


def events(case: Case) -> list[dict[str, Any]]:
    """The case's audit trail (the API pages by at most 200)."""
    response = case.platform.api.get(f"/api/v1/instances/{case.id}/events?per_page=200")
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def path(case: Case) -> list[str]:
    return [e["element_id"] for e in events(case) if e["type"] == "element_completed"]


def approve(case: Case, element: str, condiciones: str = "") -> None:
    case.complete(element, {"dictamen": "aprobar", "fundamento": "Sin objeciones.", "condiciones": condiciones})


@pytest.fixture
def vp(platform: Platform) -> Platform:
    platform.deploy(KEY)  # refused on any problem or warning
    return platform


def test_the_dmn_sends_each_request_to_its_areas_with_its_fee(vp: Platform) -> None:
    container = vp.start(KEY, solicitud(vp, "contenedor", 1, 5))
    assert container.ready() == ["revisar_obras", "revisar_transito"]
    assert container.data["areas"] == ["transito", "obras_publicas"] and container.data["tasa"] == 2500 * 5
    for group, element in (("transito", "revisar_transito"), ("obras_publicas", "revisar_obras")):
        task = container.task(element)
        assert task["candidate_group"] == group and not task["for_applicant"] and task["due_at"]

    sidewalk = vp.start(KEY, solicitud(vp, "obra_vereda", 1, 2, ocupa_calzada=False, en_espacio_verde=True,
                                       superficie_m2=20))
    assert sidewalk.ready() == ["revisar_obras", "revisar_verdes"]
    assert sidewalk.data["tasa"] == 150 * 20 * 2

    event = vp.start(KEY, solicitud(vp, "evento", 3, 3, superficie_m2=800))
    assert event.ready() == ["revisar_transito"]
    assert event.data["tasa"] == 40000 + 5000 and event.data["dias"] == 1


def test_approved_paid_permit_is_issued_then_closed_and_inspected(vp: Platform) -> None:
    case = vp.start(KEY, solicitud(vp, ocupa_calzada=True, en_espacio_verde=True))
    assert case.ready() == ["revisar_obras", "revisar_transito", "revisar_verdes"]
    receipt = case.data["constancia"]
    assert case.data["numero_expediente"] == case.number == receipt["numero_expediente"]

    # Tránsito observes; the applicant answers; Tránsito then approves with conditions.
    case.complete("revisar_transito", {"dictamen": "observar", "fundamento": "Indique el horario de carga."})
    assert case.ready() == ["responder_transito", "revisar_obras", "revisar_verdes"]
    assert case.task("responder_transito")["for_applicant"] is True
    case.complete("responder_transito", {"respuesta": "La carga se hará de 8 a 10."})
    approve(case, "revisar_transito", "Carga y descarga de 8 a 10 h.")
    approve(case, "revisar_obras", "Vallado perimetral y señalización nocturna.")
    approve(case, "revisar_verdes")

    waiting = case.detail
    assert waiting["status"] == "waiting" and [s["message_name"] for s in waiting["subscriptions"]] == \
        ["pago_confirmado"]
    slip = waiting["data"]["boleta"]
    assert slip["importe"] == "12500.00" and slip["estado"] == "pendiente"

    vp.pay(slip["numero"])

    data = case.data
    assert data["pagado"] is True and data["estado_permiso"] == "vigente"
    assert data["condiciones_permiso"] == ["Tránsito: Carga y descarga de 8 a 10 h.",
                                           "Obras Públicas: Vallado perimetral y señalización nocturna."]
    permit = data["permiso"]
    titles = [d.title for d in case.documents()]
    assert titles == ["Constancia de presentación", "Permiso de uso de la vía pública"]
    verdict = vp.verify(permit["codigo"])
    assert verdict["verdict"] == "auténtico" and verdict["certificate"]["case_number"] == case.number

    # Nothing happens before the permit's last day ends; then it closes and asks for the inspection.
    vp.advance(timedelta(days=5))
    assert case.ready() == []
    vp.advance(timedelta(days=2))
    assert case.data["estado_permiso"] == "cerrado"
    assert case.task("inspeccionar")["candidate_group"] == "obras_publicas"
    case.complete("inspeccionar", {"resultado_inspeccion": "conforme"})
    assert case.status == "completed"
    assert path(case)[-3:] == ["cerrar_permiso", "inspeccionar", "fin"]


def test_one_rejection_rejects_and_cancels_the_other_areas(smtp_server: SmtpServer, make_platform: Any) -> None:
    platform = make_platform(**smtp_server.settings())
    platform.deploy(KEY)
    smtp_server.clear()
    case = platform.start(KEY, solicitud(platform, "evento", 2, 3, en_espacio_verde=True))
    assert case.ready() == ["revisar_transito", "revisar_verdes"]
    case.complete("revisar_verdes", {"dictamen": "rechazar", "fundamento": "La plaza tiene césped recién sembrado."})

    final = case.detail
    assert final["status"] == "completed" and final["tasks"] == []
    assert final["data"]["resultado"] == "rechazado por Espacios Verdes: La plaza tiene césped recién sembrado."
    assert "boleta" not in final["data"]
    assert "task_cancelled" in [e["type"] for e in events(case)]
    [mail] = smtp_server.wait_for(1)
    body = mail.message.get_body(("plain",))
    assert mail.rcpt_tos == ["ana@example.com"] and body is not None
    assert "rechazado por Espacios Verdes" in body.get_content()


def test_wrong_dates_are_sent_back_to_the_applicant(vp: Platform) -> None:
    case = vp.start(KEY, solicitud(vp, first=5, last=2))
    assert case.ready() == ["corregir_fechas"]
    assert case.task("corregir_fechas")["for_applicant"] is True
    refused = case.submit("corregir_fechas", {"fecha_desde": "mañana"})
    assert refused.status_code == 422
    assert {e["pointer"] for e in refused.get_json()["errors"]} == {"/fecha_desde", "/fecha_hasta"}
    today = city_today(vp)
    case.complete("corregir_fechas", {"fecha_desde": (today + timedelta(days=2)).isoformat(),
                                      "fecha_hasta": (today + timedelta(days=4)).isoformat()})
    assert case.ready() == ["revisar_obras", "revisar_transito"]
    assert case.data["dias"] == 3 and case.data["tasa"] == 7500


def test_an_unpaid_slip_expires_and_the_request_is_archived(vp: Platform) -> None:
    case = vp.start(KEY, solicitud(vp, "evento", 20, 21))
    approve(case, "revisar_transito")
    due = date.fromisoformat(case.data["boleta"]["vencimiento"])
    assert case.status == "waiting"
    vp.advance(due - city_today(vp))  # the due day itself: still payable
    assert case.status == "waiting"
    vp.advance(timedelta(days=1, hours=3))
    final = case.detail
    assert final["status"] == "completed" and final["subscriptions"] == []
    assert final["data"]["resultado"].startswith("archivado: la boleta ")
    assert path(case)[-3:] == ["archivar_impago", "avisar_impago", "fin_impago"]


def test_an_observation_unanswered_for_fourteen_days_archives_the_request(vp: Platform) -> None:
    case = vp.start(KEY, solicitud(vp, "contenedor", 30, 31, ocupa_calzada=False))
    assert case.ready() == ["revisar_obras"]
    case.complete("revisar_obras", {"dictamen": "observar", "fundamento": "Falta la medida del contenedor."})
    vp.advance(timedelta(days=13))
    assert case.ready() == ["responder_obras"]
    vp.advance(timedelta(days=1, minutes=1))
    final = case.detail
    assert final["status"] == "completed" and final["tasks"] == []
    assert final["data"]["resultado"].startswith("archivado: el solicitante no respondió")


def test_a_start_form_with_bad_data_is_refused_field_by_field(vp: Platform) -> None:
    bad = solicitud(vp, "grua", cuit="20-1", ubicacion={"direccion": "X", "lat": -34.6, "lon": -58.4})
    response = vp.api.start(KEY, bad)
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.get_json()["errors"]}
    assert {"/tipo", "/cuit", "/ubicacion/lat", "/ubicacion/lon", "/ubicacion/direccion"} <= pointers
