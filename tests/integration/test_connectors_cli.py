"""``tramites connectors`` and ``tramites gaf-sandbox``."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from tests.fixtures.require import free_port, wait_for_port
from tests.warning_policy import tramites_argv

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = [
    "catastro/consultar_parcela", "catastro/parcela_en_punto",
    "directorio/buscar_persona", "directorio/miembros_grupo",
    "documentos/emitir_certificado", "documentos/emitir_para_firma",
    "gaf/consultar_pago", "gaf/liquidar_tasa", "gaf/registrar_compromiso", "gaf/registrar_factura",
    "gaf/verificar_presupuesto",
    "modelo_lenguaje/redactar",
    "notificar/email", "notificar/whatsapp", "notificar/whatsapp_medio",
]


def test_connectors_lists_every_operation_with_its_schemas(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["connectors", "--json"])
    assert result.exit_code == 0, result.output
    listed: list[dict[str, Any]] = json.loads(result.output)
    assert [op["name"] for op in listed] == OPERATIONS
    for op in listed:
        assert op["params"]["type"] == "object" and op["result"]["type"] == "object"
        assert op["description"] and op["timeout"] > 0 and isinstance(op["retry_safe"], bool)
    liquidar = next(op for op in listed if op["name"] == "gaf/liquidar_tasa")
    assert set(liquidar["params"]["required"]) == {"concepto", "contribuyente", "importe", "referencia"}


def test_connectors_text_output_names_schemas_and_retry_safety(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["connectors"])
    assert result.exit_code == 0, result.output
    assert "gaf/liquidar_tasa  (plazo 20 s, se reintenta)" in result.output
    assert '  parámetros: {"additionalProperties": false' in result.output
    assert "  resultado:  " in result.output and result.output.rstrip().endswith("15 operaciones.")


def test_gaf_sandbox_command_receives_the_options(app: Flask) -> None:
    calls: list[tuple[str, int, str | None]] = []
    app.extensions["tramites"].tools.run_gaf_sandbox = lambda *args: calls.append(args)
    result = app.test_cli_runner().invoke(args=["gaf-sandbox", "--host", "192.0.2.10", "--port", "5999",
                                                "--state", "estado-gaf.json"])
    assert result.exit_code == 0, result.output
    assert calls == [("192.0.2.10", 5999, "estado-gaf.json")]
    assert "http://192.0.2.10:5999/" in result.output


def test_gaf_sandbox_runs_alone_with_the_instance_token(tmp_path: Path) -> None:
    port = free_port()
    instance = tmp_path / "instance"
    env = {**os.environ, "TRAMITES_INSTANCE_PATH": str(instance)}
    env.pop("TRAMITES_DATABASE_URL", None)
    child = subprocess.Popen(tramites_argv("gaf-sandbox", "--host", "127.0.0.1", "--port", str(port)),
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for_port(port, timeout=60), child.communicate(timeout=5)[0] if child.poll() is not None else ""
        base = f"http://127.0.0.1:{port}"
        contract = requests.get(f"{base}/openapi.json", timeout=10)
        assert contract.status_code == 200 and contract.json()["info"]["title"]
        body = {"concepto": "Tasa de prueba", "contribuyente": {"nombre": "Ana Pérez", "dni": "30111222"},
                "importe": "1500.00", "referencia": "EX-2026-000001-SMT-TST"}
        refused = requests.post(f"{base}/liquidaciones", json=body, timeout=10)
        assert refused.status_code == 401
        token = (instance / "gaf_token").read_text().strip()
        created = requests.post(f"{base}/liquidaciones", json=body, headers={"Authorization": f"Bearer {token}"},
                                timeout=10)
        assert created.status_code == 201, created.text
        assert created.json()["estado"] == "pendiente"
        assert (instance / "gaf_sandbox_standalone.json").exists()
    finally:
        child.terminate()
        child.communicate(timeout=20)  # reaps the child and closes its pipe


def test_the_engine_gets_the_literal_parameter_check(app: Flask) -> None:
    check = app.extensions["tramites"].validate_params
    assert check("catastro/consultar_parcela", {"padron": 100006}, []) == []
    assert check("gaf/verificar_presupuesto", {"partida": "2.9.2"}, ["importe"]) == []
    problems = check("gaf/verificar_presupuesto", {"partida": "presupuesto"}, [])
    assert any("importe" in p for p in problems) and any("partida" in p for p in problems)
