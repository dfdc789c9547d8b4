"""The staff front names a procedure as its latest version does: renamed in version 2, the
filters, the case search and the dashboards say the new name, not whichever sorts last."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from engine.db import db
from tests.fixtures.engine import BUNDLES, ApiClient
from worklists.queries.inbox import procedures


def _named(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name.split()[0]
    shutil.copytree(BUNDLES / "simple", folder)
    manifest = folder / "manifest.yaml"
    lines = [f"name: {name}" if line.startswith("name:") else line
             for line in manifest.read_text(encoding="utf-8").splitlines()]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_a_renamed_procedure_is_listed_by_its_latest_name(app: Flask, api: ApiClient, tmp_path: Path) -> None:
    for name in ("Zonificación de prueba", "Autorización de prueba"):
        assert api.deploy(_named(tmp_path, name)).status_code == 201
    with app.app_context():
        assert dict(procedures())["tramite_simple"] == "Autorización de prueba"
        db.session.remove()
