"""Procurement (COM) end to end through the REST API, against the embedded GAF sandbox.

An area asks for goods with an estimated amount; GAF checks the budget line; DMN tables pick
the procedure and the approvals; suppliers quote by the message ``cotizacion_presentada``
until the opening; Compras awards; the commitment is registered in GAF and a signed purchase
order issued; the area receives; Contaduría registers the invoice in GAF.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.fixtures.engine import ApiClient
from tests.procedures.conftest import Case, Platform

KEY = "compras"
CITY = ZoneInfo("America/Argentina/Tucuman")
SUPPLIERS = [
    {"cuit": "30711222334", "nombre": "Distribuidora Norte SRL", "email": "proveedor@example.com"},
    {"cuit": "30700111225", "nombre": "Informática del Jardín SA"},
    {"cuit": "20233344456", "nombre": "Juan Gómez"},
]


def city_today(platform: Platform) -> date:
    return platform.clock.now.astimezone(CITY).date()


def pedido(importe: float = 2_500_000, partida: str = "4.3.6", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "dependencia": "Dirección de Sistemas", "objeto": "Computadoras para Mesa de Entradas", "tipo": "bienes",
        "detalle": "10 computadoras de escritorio\n10 monitores de 24 pulgadas", "partida": partida,
        "importe_estimado": importe, "justificacion": "Reemplazo de equipos de más de diez años.",
        "plazo_entrega_dias": 30,
    }
    data.update(extra)
    return data


def events(case: Case) -> list[dict[str, Any]]:
    response = case.platform.api.get(f"/api/v1/instances/{case.id}/events?per_page=200")
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def path(case: Case) -> list[str]:
    return [e["element_id"] for e in events(case) if e["type"] == "element_completed"]


def quote(client: ApiClient, case: Case, supplier: dict[str, Any], importe: str, **extra: Any) -> Any:
    """A supplier's quote, as the portal (or any integration with the ``messages`` scope) sends it."""
    body = {"correlation": {"expediente": case.number},
            "data": {"proveedor": {"cuit": supplier["cuit"], "nombre": supplier["nombre"]}, "importe": importe,
                     "plazo_entrega_dias": 20, **extra}}
    return client.post("/api/v1/messages/cotizacion_presentada", json=body)


def approve(case: Case, element: str) -> None:
    case.complete(element, {"dictamen": "aprobar", "fundamento": "Conforme."})


def invite(platform: Platform, case: Case, suppliers: list[dict[str, Any]], days: int = 3) -> date:
    opening = city_today(platform) + timedelta(days=days)
    case.complete("invitar_proveedores", {"proveedores_invitados": suppliers, "fecha_apertura": opening.isoformat()})
    return opening


@pytest.fixture
def compras(platform: Platform) -> Platform:
    platform.deploy(KEY)  # refused on any problem or warning
    return platform


@pytest.mark.parametrize(("importe", "procedimiento", "aprobaciones"), [
    (800_000, "compra_directa", ["contaduria"]),
    (2_500_000, "concurso_precios", ["contaduria"]),
    (4_000_000, "concurso_precios", ["contaduria", "secretaria_hacienda"]),
])
def test_the_amount_decides_procedure_and_approvals(compras: Platform, importe: int, procedimiento: str,
                                                    aprobaciones: list[str]) -> None:
    case = compras.start(KEY, pedido(importe, "3.3.1"))
    data = case.data
    assert (data["procedimiento"], data["aprobaciones"]) == (procedimiento, aprobaciones)
    assert data["presupuesto"] == {"partida": "3.3.1", "importe": f"{importe}.00", "disponible": True,
                                   "saldo": "5000000.00"}
    assert case.ready() == ["intervenir_contaduria"]
    assert case.task("intervenir_contaduria")["candidate_group"] == "contaduria"


def test_a_purchase_from_request_to_invoice(compras: Platform) -> None:
    case = compras.start(KEY, pedido())
    assert case.data["numero_expediente"] == case.number
    approve(case, "intervenir_contaduria")
    assert case.task("invitar_proveedores")["candidate_group"] == "compras"
    # A concurso de precios needs three invited suppliers: with two the task comes back.
    invite(compras, case, SUPPLIERS[:2])
    assert case.ready() == ["invitar_proveedores"]
    opening = invite(compras, case, SUPPLIERS)

    portal = compras.client("messages", name="portal-proveedores")
    assert quote(portal, case, SUPPLIERS[0], "2400000.00").status_code == 202
    assert quote(portal, case, SUPPLIERS[1], "2100000.00").status_code == 202
    assert quote(portal, case, SUPPLIERS[0], "2300000.00").status_code == 202  # a better offer replaces the first
    assert quote(portal, case, {"cuit": "1", "nombre": "Sin CUIT"}, "10.00").status_code == 202
    assert quote(portal, case, SUPPLIERS[2], "2000000.5").status_code == 202
    data = case.data
    assert [(c["proveedor"]["cuit"], c["importe"]) for c in data["cotizaciones"]] == \
        [(SUPPLIERS[1]["cuit"], "2100000.00"), (SUPPLIERS[0]["cuit"], "2300000.00")]
    assert data["cotizaciones_rechazadas"] == 2

    # The opening is at 10 h (city time) of the day Compras set.
    compras.advance(datetime.combine(opening, time(9, 59), CITY) - compras.clock.now)
    assert case.ready() == [] and case.status == "waiting"
    compras.advance(timedelta(minutes=2))
    assert case.ready() == ["adjudicar"]
    assert case.data["mejor_oferta"]["proveedor"]["cuit"] == SUPPLIERS[1]["cuit"]
    # a CUIT that did not quote is sent back
    case.complete("adjudicar", {"cuit_adjudicado": SUPPLIERS[2]["cuit"], "fundamento_adjudicacion": "Error"})
    assert case.ready() == ["adjudicar"]
    case.complete("adjudicar", {"cuit_adjudicado": SUPPLIERS[1]["cuit"],
                                "fundamento_adjudicacion": "Menor precio que cumple las especificaciones."})

    data = case.data
    commitment = data["compromiso"]
    assert commitment["estado"] == "registrado" and commitment["importe"] == "2100000.00"
    assert Decimal(commitment["saldo_partida"]) == Decimal("3000000.00") - Decimal("2100000.00")
    order = data["orden_compra"]
    assert [d.title for d in case.documents()] == ["Solicitud de gasto", "Acta de apertura de ofertas",
                                                   "Orden de compra"]
    assert compras.verify(data["acta_apertura"]["codigo"])["verdict"] == "auténtico"
    verdict = compras.verify(order["codigo"])
    assert verdict["verdict"] == "auténtico" and verdict["certificate"]["case_number"] == case.number

    # Reception: not as ordered first, Compras claims, then as ordered.
    assert case.task("recibir")["candidate_group"] == "area_solicitante"
    today = city_today(compras).isoformat()
    case.complete("recibir", {"recepcion_conforme": False, "fecha_recepcion": today,
                              "observaciones_recepcion": "Faltan dos monitores."})
    case.complete("reclamar_proveedor", {"gestion_reclamo": "Se intimó al proveedor por nota."})
    case.complete("recibir", {"recepcion_conforme": True, "fecha_recepcion": today})

    # The invoice: above the commitment it comes back; within it, GAF registers it.
    invoice = {"numero_factura": "0003-00001234", "importe_factura": "2100000.01", "fecha_factura": today}
    case.complete("registrar_factura", invoice)
    assert case.ready() == ["registrar_factura"]
    case.complete("registrar_factura", {**invoice, "importe_factura": "2100000.00"})
    final = case.detail
    assert final["status"] == "completed", final
    assert final["data"]["factura"]["estado"] == "registrada"
    assert final["data"]["resultado"].startswith("cerrada: factura 0003-00001234 registrada en GAF como F-")
    assert path(case)[-3:] == ["registrar_factura_gaf", "cerrar_compra", "fin"]


def test_hacienda_rejects_a_large_purchase(compras: Platform) -> None:
    case = compras.start(KEY, pedido(4_500_000, "3.3.1"))
    approve(case, "intervenir_contaduria")
    task = case.task("autorizar_hacienda")
    assert task["candidate_group"] == "secretaria_hacienda"
    case.complete("autorizar_hacienda", {"dictamen": "rechazar", "fundamento": "No es prioritario este ejercicio."})
    final = case.detail
    assert final["status"] == "completed" and final["tasks"] == []
    assert final["data"]["resultado"] == "rechazado por Secretaría de Hacienda: No es prioritario este ejercicio."
    assert "compromiso" not in final["data"]


def test_without_budget_the_area_adjusts_or_desists(compras: Platform) -> None:
    case = compras.start(KEY, pedido(900_000, "2.9.2"))  # the line has 800000.00
    assert case.data["presupuesto"]["disponible"] is False
    task = case.task("ajustar_pedido")
    assert task["candidate_group"] == "area_solicitante"
    refused = case.submit("ajustar_pedido", {"decision_ajuste": "ajustar"})
    assert refused.status_code == 422
    case.complete("ajustar_pedido", {"decision_ajuste": "ajustar", "partida": "2.9.2", "importe_estimado": 750000})
    assert case.ready() == ["intervenir_contaduria"]
    assert case.data["presupuesto"]["disponible"] is True and case.data["procedimiento"] == "compra_directa"

    other = compras.start(KEY, pedido(900_000, "2.9.2"))
    other.complete("ajustar_pedido", {"decision_ajuste": "desistir"})
    assert other.status == "completed" and other.data["resultado"] == "desistido: sin crédito en la partida 2.9.2"


def test_no_quote_by_the_opening_declares_the_purchase_void(compras: Platform) -> None:
    case = compras.start(KEY, pedido(500_000, "2.1.1"))
    approve(case, "intervenir_contaduria")
    invite(compras, case, SUPPLIERS[:1], days=2)
    assert case.status == "waiting" and [s["message_name"] for s in case.detail["subscriptions"]] == \
        ["cotizacion_presentada"]
    compras.advance(timedelta(days=3))
    final = case.detail
    assert final["status"] == "completed" and final["subscriptions"] == []
    assert final["data"]["resultado"].startswith("desierta")
    assert "compromiso" not in final["data"]
    late = quote(compras.api, case, SUPPLIERS[0], "100.00")
    assert late.status_code == 404


def test_a_supplier_quotes_by_starting_the_portal_procedure(compras: Platform) -> None:
    compras.deploy("cotizacion_compras")
    case = compras.start(KEY, pedido(500_000, "2.1.1"))
    approve(case, "intervenir_contaduria")
    invite(compras, case, SUPPLIERS[:1])
    document = compras.upload("cotizacion-norte.pdf")
    supplier = compras.start("cotizacion_compras", {
        "expediente": case.number, "cuit": SUPPLIERS[0]["cuit"], "razon_social": SUPPLIERS[0]["nombre"],
        "email": SUPPLIERS[0]["email"], "importe": "450000.00", "plazo_entrega_dias": 5, "documento": document})
    # the purchase answered in the same step: the supplier's case is already over
    assert supplier.status == "completed" and supplier.path()[-1] == "fin_presentada"
    [offer] = case.data["cotizaciones"]
    assert offer["proveedor"] == {"cuit": SUPPLIERS[0]["cuit"], "nombre": SUPPLIERS[0]["nombre"]}
    assert offer["importe"] == "450000.00" and offer["invitado"] is True
    assert offer["documento"] == document and offer["cotizacion"] == supplier.number
    receipt = supplier.data["constancia"]
    verdict = compras.verify(receipt["codigo"])
    assert verdict["verdict"] == "auténtico" and verdict["certificate"]["case_number"] == supplier.number
