"""A forged paper cannot borrow a genuine certificate's code: the verification page shows what the
certificate with that code certifies, so whoever holds the paper can compare it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from connectors.documents.folders import read_folder
from connectors.documents.summary import summarize
from engine.casefile import expediente
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work

JSON = {"Accept": "application/json"}
PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _issue(app: Flask, data: dict[str, Any]) -> dict[str, Any]:
    runtime = app.extensions[EXTENSION_KEY]
    params = {"plantilla": "plataforma", "titulo": "Constancia de prueba", "datos": data}
    with app.app_context():
        result: dict[str, Any] = runtime.connectors.invoke("documentos/emitir_certificado", params,
                                                           {"case_number": "EX-2026-000009-SMT-TST",
                                                            "public_url": "http://x"})
        with unit_of_work():
            expediente.register_certificate(None, result, "tests")
    return result


def test_the_verification_page_shows_what_the_code_certifies(signing_app: Flask) -> None:
    result = _issue(signing_app, {"titular": "Ana Pérez", "padron": "100001", "cuerpo": "Texto largo"})
    client = signing_app.test_client()
    page = client.get(f"/verificar/{result['codigo']}").get_data(as_text=True)
    assert "Ana Pérez" in page and "100001" in page and "Compare estos datos" in page
    body = client.get(f"/verificar/{result['codigo']}", headers=JSON).get_json()
    assert body["certificate"]["summary"] == [{"etiqueta": "Titular", "valor": "Ana Pérez"},
                                              {"etiqueta": "Padron", "valor": "100001"}]


def test_each_procedures_certificate_declares_what_it_certifies() -> None:
    """Every certificate template of the sample procedures names its lines, and they resolve."""
    declared = sorted(p.parent.relative_to(PROCESSES).as_posix() for p in PROCESSES.glob("*/*/verificacion.json"))
    assert {"certificado_catastral/certificado", "habilitacion_comercial/licencia", "permiso_via_publica/permiso",
            "compras/orden_compra"} <= set(declared)
    sample = {"parcela": {"titular": "Ana", "nomenclatura": "S1"}, "tipo": "simple"}
    lines = summarize(read_folder(PROCESSES / "certificado_catastral" / "certificado"), sample)
    assert {"etiqueta": "Titular", "valor": "Ana"} in lines and len(lines) == 3
