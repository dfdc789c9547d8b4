"""A BPMN process calls every operation of every connector through the engine, each against its real peer.

The platform is served over real HTTP on loopback: GAF is the embedded sandbox at
``/_sandbox/gaf`` and the cadastre is the sample parcels' file, owners included (the public
``/ogc`` has none; the connector over OGC API is tested in ``tests/connectors``); the directory is a
real ``slapd``; e-mail goes to a real SMTP server (aiosmtpd); WhatsApp goes to the local
stand-in of the Cloud API (no WhatsApp server is reachable here); certificates are rendered
and signed for real and stored in the app's document storage. Connector settings reach the
registry through ``create_app``'s settings mapping, as ``TRAMITES_*`` variables would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader

from connectors.documents import create_development_certificate
from connectors.gaf.sandbox import sandbox_of
from tests.fixtures.browser import LiveServer
from tests.fixtures.cx_cloud_api import CloudApiStandIn, whatsapp_settings
from tests.fixtures.engine import GAF_SANDBOX, ApiClient, make_token
from tests.fixtures.require import free_port
from tests.fixtures.services import LdapDirectory
from tests.fixtures.smtp import SmtpServer

SIGNING_PASSWORD = "clave-de-firma-de-prueba"
CASE = {
    "referencia": "EX-2026-000042-SMT-CXO", "nombre": "Ana Pérez", "dni": "30111222",
    "importe_tasa": "1500.00", "importe_compra": "120000.00", "cuit_proveedor": "30712345678",
    "fecha_factura": "2026-11-20", "padron": 100006, "lon": -65.2098817, "lat": -26.8241764,
    "correo_agente": "agomez@smt.gob.ar", "telefono": "+5493815551234",
}


@pytest.fixture(scope="module")
def signing_cert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_development_certificate(tmp_path_factory.mktemp("firma") / "municipal.p12", SIGNING_PASSWORD)


@pytest.fixture
def live(make_app: Callable[..., Flask], live_server: Callable[..., LiveServer], slapd: LdapDirectory,
         smtp_server: SmtpServer, whatsapp_cloud_api: tuple[CloudApiStandIn, str],
         signing_cert: Path) -> tuple[Flask, ApiClient]:
    """The platform over HTTP, with every connector pointed at its real peer."""
    peer, whatsapp_url = whatsapp_cloud_api
    peer.requests.clear()
    smtp_server.clear()
    port = free_port()
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}", **slapd.connector_config(), **smtp_server.settings(),
                   **whatsapp_settings(whatsapp_url), SIGNING_CERT=str(signing_cert),
                   SIGNING_PASSWORD=SIGNING_PASSWORD, **GAF_SANDBOX)
    live_server(app, port)
    return app, ApiClient(app, make_token(app, "conectores", "admin"))


def test_a_process_calls_every_operation_of_every_connector(
        live: tuple[Flask, ApiClient], smtp_server: SmtpServer,
        whatsapp_cloud_api: tuple[CloudApiStandIn, str]) -> None:
    app, api = live
    deployed = api.deploy("cx_cada_operacion")
    assert deployed.status_code == 201, deployed.get_json()
    started = api.start("cx_cada_operacion", CASE)
    assert started.status_code == 201, started.get_json()
    detail = api.instance(started.get_json()["id"])
    assert detail["status"] == "completed", (detail["status"], detail["incidents"])
    data = detail["data"]
    _check_gaf(app, data)
    _check_cadastre(data)
    _check_directory(data)
    _check_notifications(data, smtp_server, whatsapp_cloud_api[0])
    _check_certificate(app, data, detail["number"])
    events = api.get(f"/api/v1/instances/{detail['id']}/events?per_page=200").get_json()["items"]
    completed = [e["element_id"] for e in events if e["type"] == "element_completed"]
    assert completed[1:13] == ["presupuesto", "registrar_compromiso", "factura", "liquidar", "consultar", "parcela",
                               "punto", "persona", "listar_grupo", "correo", "whatsapp", "certificado"]


def _check_gaf(app: Flask, data: dict[str, Any]) -> None:
    assert data["presupuesto"] == {"partida": "2.9.2", "importe": "120000.00", "disponible": True,
                                   "saldo": "800000.00"}
    assert data["compromiso"]["estado"] == "registrado" and data["compromiso"]["saldo_partida"] == "680000.00"
    assert data["factura"]["estado"] == "registrada" and data["factura"]["numero_registro"].startswith("F-")
    slip = data["boleta"]
    assert slip["estado"] == "pendiente" and slip["importe"] == "1500.00" and len(slip["codigo_pago"]) == 20
    assert data["pago"]["numero"] == slip["numero"] and data["pago"]["pagada"] is False
    ledger = sandbox_of(app).ledger
    assert ledger.slip(slip["numero"])["referencia"] == CASE["referencia"]  # the sandbox kept what GAF got


def _check_cadastre(data: dict[str, Any]) -> None:
    by_number, by_point = data["parcela"], data["parcela_punto"]
    assert by_number["encontrada"] and by_number["parcela"]["padron"] == 100006
    assert by_number["parcela"]["nomenclatura"] == "S2-C1-M001-P006"
    assert by_number["geometria"]["type"] in ("Polygon", "MultiPolygon")
    assert by_point["encontrada"] and by_point["parcela"]["padron"] == 100006


def _check_directory(data: dict[str, Any]) -> None:
    assert data["persona"] == {"encontrado": True, "usuario": "agomez", "nombre": "Ana Gómez",
                               "email": "agomez@smt.gob.ar", "grupos": ["mesa_entradas", "supervisores"]}
    assert data["grupo"]["existe"] is True
    assert [m["usuario"] for m in data["grupo"]["miembros"]] == ["agomez", "jperez"]


def _check_notifications(data: dict[str, Any], smtp: SmtpServer, peer: CloudApiStandIn) -> None:
    (mail,) = smtp.wait_for(1)
    assert mail.rcpt_tos == ["agomez@smt.gob.ar"]
    assert mail.message["Subject"] == f"Iniciamos su trámite {CASE['referencia']}: Certificado catastral"
    assert data["correo"] == {"encolado": True}  # sent once the step had committed
    (sent,) = peer.requests
    assert sent["json"]["to"] == CASE["telefono"] and sent["json"]["text"]["body"].startswith("Su trámite EX-2026")
    assert data["mensaje"] == {"encolado": True}


def _check_certificate(app: Flask, data: dict[str, Any], number: str) -> None:
    issued = data["certificado"]
    assert issued["titulo"] == "Certificado catastral" and issued["numero_expediente"] == number
    assert issued["url_verificacion"].startswith(app.config["TRAMITES"]["PUBLIC_URL"])
    stored = app.extensions["tramites"].documents.store.get(issued["clave"])
    try:
        reader = PdfFileReader(stored)
        assert len(reader.embedded_signatures) == 1
    finally:
        stored.close()
