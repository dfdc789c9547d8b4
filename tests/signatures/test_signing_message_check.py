"""The deploy check knows the signing message the platform delivers to the very case (no correlation needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from tests.fixtures.engine import BUNDLES, ApiClient, make_token


def _warnings(app: Flask, folder: Path | str, client_name: str = "pruebas") -> list[dict]:
    response = ApiClient(app, make_token(app, client_name, "admin")).deploy(folder)
    assert response.status_code == 201, response.get_json()
    return list(response.get_json()["warnings"])


def test_waiting_for_the_signing_message_needs_no_correlation(signatures_app: Flask) -> None:
    assert _warnings(signatures_app, "firma_conjunta") == []


def test_waiting_for_another_message_than_the_one_the_signatures_send_still_warns(
        signatures_app: Flask, tmp_path: Path) -> None:
    bundle = tmp_path / "firma_conjunta"
    shutil.copytree(BUNDLES / "firma_conjunta", bundle)
    model = bundle / "firma_conjunta.bpmn"
    text = model.read_text(encoding="utf-8")
    named = text.replace('<spiffworkflow:parameter id="firmantes"',
                         '<spiffworkflow:parameter id="mensaje" type="str" value="\'resolucion_firmada\'"/>\n'
                         '            <spiffworkflow:parameter id="firmantes"', 1)
    assert named != text
    model.write_text(named, encoding="utf-8")

    [warning] = _warnings(signatures_app, bundle, "primero")
    assert warning["element"] == "esperar_firmas" and "documento_firmado" in warning["message"]

    model.write_text(named.replace('name="documento_firmado"', 'name="resolucion_firmada"'), encoding="utf-8")
    assert _warnings(signatures_app, bundle, "segundo") == []
