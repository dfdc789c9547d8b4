"""YAML the platform reads holds no anchors or aliases and stays small (issue #16, high).

The review deployed a 1 KB manifest of nine aliases per level, seven levels deep: 201 after
14 s and 575 MB, every anonymous visit to the guide took 7 s from then on, and the process's
API answer weighed 33.6 MB. The bombs here are two levels smaller (59,049 strings), so that
the tests stay fast where the platform expands them; the platform must refuse them unread.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from connectors.gaf.contract import Contract
from tests.fixtures.engine import BUNDLES, ApiClient


def _bomb(levels: int = 5, top: str = "bomba") -> str:
    """``a`` holds nine strings; each next level nine aliases of the one before."""
    names = [f"n{level}" for level in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(["jaja"] * 9) + "]"]
    for previous, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines.append(f"{top}: *{names[-1]}")
    return "\n".join(lines) + "\n"


def _deploy(api: ApiClient, manifest: str) -> Any:
    files = {p.name: p.read_bytes() for p in sorted((BUNDLES / "simple").iterdir())}
    files["manifest.yaml"] += b"\n" + manifest.encode()
    parts = [(io.BytesIO(content), name) for name, content in files.items()]
    return api.post("/api/v1/deployments", data={"files": parts}, content_type="multipart/form-data")


def _refused(response: Any) -> str:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert [e["file"] for e in errors] == ["manifest.yaml"]
    return str(errors[0]["message"])


def test_a_yaml_bomb_in_the_manifest_is_refused_before_it_expands(api: ApiClient) -> None:
    bomb = _bomb()
    assert len(bomb) < 1024
    message = _refused(_deploy(api, bomb))
    assert "alias" in message
    assert api.get("/api/v1/processes/tramite_simple").status_code == 404


@pytest.mark.parametrize(("manifest", "expected"), [
    ("requisitos: [" + ", ".join(["x"] * 10_000) + "]", "más de 100 elementos"),
    ("fees: " + "x" * 50_000, "supera los 5000 caracteres"),
    ("fees: " + "x" * 100_000, "Supera los 64 KB"),
    ("anidado: " + "[" * 2_000 + "]" * 2_000, "niveles"),
    ("monto: 1" + "0" * 5_000, "no se puede leer"),
])
def test_a_manifest_past_what_a_catalogue_entry_holds_is_refused(api: ApiClient, manifest: str, expected: str) -> None:
    assert expected in _refused(_deploy(api, manifest))


def test_a_yaml_bomb_in_the_users_file_stops_init(app: Flask, runner: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "demo_users.yaml").write_text(_bomb(top="users"), encoding="utf-8")
    monkeypatch.setattr("engine.cli.commands.PROCESSES_DIR", tmp_path)
    result = runner.invoke(args=["init"])
    assert result.exit_code == 1, result.output
    assert "alias" in result.output


def test_a_yaml_bomb_in_the_gaf_contract_is_refused(tmp_path: Path) -> None:
    contract = tmp_path / "openapi.yaml"
    contract.write_text(_bomb(top="paths"), encoding="utf-8")
    with pytest.raises(ValueError, match="alias"):
        Contract.load(contract)
