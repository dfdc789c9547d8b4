"""Certificates from the command line: the development signing certificate, issue and revoke."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from connectors.documents.render import BASE_TEMPLATE_DIR


def test_init_creates_a_development_signing_certificate_once(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = make_app(INSTANCE_PATH=str(tmp_path / "instancia"))
    first = app.test_cli_runner().invoke(args=["init", "--no-demo"])
    assert first.exit_code == 0, first.output
    assert "no es válido para producción" in first.output
    assert (tmp_path / "instancia" / "firma-desarrollo.p12").is_file()
    again = app.test_cli_runner().invoke(args=["init", "--no-demo"])
    assert again.exit_code == 0 and "DESARROLLO" not in again.output


def test_staff_issue_a_certificate_outside_a_process_and_can_revoke_it(make_app: Callable[..., Flask],
                                                                       tmp_path: Path) -> None:
    app = make_app(INSTANCE_PATH=str(tmp_path / "instancia"))
    assert app.test_cli_runner().invoke(args=["init", "--no-demo"]).exit_code == 0
    data = tmp_path / "datos.json"
    data.write_text(json.dumps({"titular": "Ana Pérez", "detalle": "Libre deuda de tasas"}), encoding="utf-8")
    out = tmp_path / "certificado.pdf"
    issued = app.test_cli_runner().invoke(args=["certificate", "issue", "--template", str(BASE_TEMPLATE_DIR),
                                                "--data", str(data), "--out", str(out), "--title", "Libre deuda"])
    assert issued.exit_code == 0, issued.output
    code = issued.output.strip().splitlines()[-1]
    assert len(code.replace("-", "")) == 16 and out.read_bytes().startswith(b"%PDF")
    client = app.test_client()
    accept = {"Accept": "application/json"}
    assert client.get(f"/verificar/{code}", headers=accept).get_json()["verdict"] == "auténtico"
    uploaded = client.post("/verificar/", data={"file": (out.open("rb"), "c.pdf")},
                           content_type="multipart/form-data", headers=accept).get_json()
    assert uploaded["verdict"] == "auténtico" and uploaded["certificate"]["title"] == "Libre deuda"
    revoked = app.test_cli_runner().invoke(args=["certificate", "revoke", code, "--reason", "Emitido por error"])
    assert revoked.exit_code == 0, revoked.output
    assert client.get(f"/verificar/{code}", headers=accept).get_json()["verdict"] == "revocado"


def test_bad_data_is_one_clear_line(app: Flask, tmp_path: Path) -> None:
    data = tmp_path / "datos.json"
    data.write_text("{no es json", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["certificate", "issue", "--template", str(BASE_TEMPLATE_DIR),
                                                "--data", str(data), "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "no es JSON válido" in result.output
