"""The studio's decision table editor: its page, the check of each cell with its row and column,
and a new table; through Flask's test client (the browser test pins the cells on screen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from engine.studio.decision_check import check_decision, starting_table
from engine.workflow.bundles import bundle_from_files
from engine.workflow.validation import validate_bundle
from tests.fixtures.database import SQLITE_ONLY
from tests.worklists.studio.editors import PROCESSES, bundle_files, csrf_header, draft_file, draft_of, signed_in

pytestmark = SQLITE_ONLY

RIESGO = bundle_files("evento_publico")["riesgo.dmn"]


def _with_cell(cell_id: str, text: str) -> bytes:
    """riesgo.dmn with the cell ``cell_id`` holding ``text`` (XML-escaped)."""
    start = RIESGO.index(f'id="{cell_id}"'.encode())
    begin = RIESGO.index(b"<text>", start) + len(b"<text>")
    end = RIESGO.index(b"</text>", begin)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return RIESGO[:begin] + escaped.encode() + RIESGO[end:]


@pytest.mark.parametrize("dmn", sorted(PROCESSES.glob("*/*.dmn")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_decision_of_the_processes_is_clean(dmn: Path) -> None:
    assert check_decision(dmn.name, dmn.read_bytes(), bundle_files(dmn.parent.name)) == ([], [])


@pytest.mark.parametrize(("cell", "text", "row", "column", "says"), [
    ("r_alto_asis", "between 1000 and 5000", "4", "1", "«1000 <= ? <= 5000»"),  # FEEL range
    ("r_recital_tipo", '"recital" +', "2", "2", "no es una condición que el motor entienda"),  # syntax error
    ("r_bajo_out", '"bajo', "1", "3", "no es una expresión válida"),  # output: unterminated text
])
def test_a_bad_cell_is_reported_with_its_table_row_and_column(cell: str, text: str, row: str, column: str,
                                                              says: str) -> None:
    problems, _warnings = check_decision("riesgo.dmn", _with_cell(cell, text))
    [problem] = problems
    assert problem["element"] == "evento_riesgo" and problem["row"] == row and problem["column"] == column
    assert says in problem["message"] and problem["message"].startswith(f"Fila {row}, ")


def test_a_cell_glued_to_a_name_is_an_unknown_name_on_its_cell() -> None:
    content = _with_cell("r_medio_tipo", 'in ("feria", "recital")').replace(b'evento["tipo"]', b"tipo")
    [problem] = check_decision("riesgo.dmn", content)[0]
    assert (problem["row"], problem["column"]) == ("3", "2")
    assert "se pega a la entrada sin espacio («tipoin (" in problem["message"]


def test_a_bare_word_no_form_or_task_defines_is_a_warning_on_its_cell() -> None:
    files = bundle_files("evento_publico")
    problems, warnings = check_decision("riesgo.dmn", _with_cell("r_recital_out", "alto"), files)
    assert problems == []
    [warning] = warnings
    assert (warning["row"], warning["column"]) == ("2", "3")
    assert 'escríbalo entre comillas: "alto"' in warning["message"]
    # a name a form defines is no warning: «evento» is the request form's field
    assert check_decision("riesgo.dmn", _with_cell("r_recital_out", "evento"), files) == ([], [])


def test_the_deploy_check_carries_the_column_too() -> None:
    files = {**bundle_files("evento_publico"), "riesgo.dmn": _with_cell("r_medio_tipo", "[1..2]")}
    _parsed, report = validate_bundle(bundle_from_files(files), frozenset())
    [problem] = [p for p in report.problems if p["file"] == "riesgo.dmn"]
    assert (problem["row"], problem["column"]) == ("3", "2")


def test_malformed_xml_and_a_file_without_a_table_are_problems() -> None:
    [broken], _ = check_decision("x.dmn", b"<definitions")
    assert "XML mal formado" in broken["message"]
    [empty], _ = check_decision("x.dmn", b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"/>')
    assert "no tiene una tabla de decisión" in empty["message"]


def test_the_starting_table_is_clean() -> None:
    assert check_decision("nueva.dmn", starting_table("nueva", "Nueva <tabla> & más")) == ([], [])


def test_the_page_and_its_check(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    web = signed_in(identity_app)
    path = f"/estudio/borradores/{draft_id}/decisiones/riesgo.dmn"
    page = web.client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Tabla de decisión «riesgo.dmn»" in html
    assert f'data-check-url="{path}/revisar"' in html and "vendor/studio/dmn-editor.js" in html
    assert "<script>" not in html and " style=" not in html
    headers = csrf_header(web, path)
    refused = web.client.post(f"{path}/revisar", data=_with_cell("r_alto_asis", "[1000..5000]"))
    assert refused.status_code in (400, 403)  # no CSRF header
    answer = web.client.post(f"{path}/revisar", data=_with_cell("r_alto_asis", "[1000..5000]"), headers=headers)
    body = answer.get_json()
    assert answer.status_code == 200 and body["ok"] is False
    assert [(p["row"], p["column"]) for p in body["problems"]] == [("4", "1")]
    assert draft_file(identity_app, draft_id, "riesgo.dmn") == RIESGO  # checking saves nothing
    clean = web.client.post(f"{path}/revisar", data=RIESGO, headers=headers).get_json()
    assert clean == {"ok": True, "problems": [], "warnings": []}
    assert web.client.get(f"/estudio/borradores/{draft_id}/decisiones/otra.dmn").status_code == 404


def test_a_new_table_starts_small_and_opens_in_the_editor(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    web = signed_in(identity_app)
    page = f"/estudio/borradores/{draft_id}/decisiones/riesgo.dmn"
    response = web.post_form(f"/estudio/borradores/{draft_id}/decisiones",
                             {"nombre": "Categoría del comercio", "volver": page}, token_from=page)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.endswith(f"/estudio/borradores/{draft_id}/decisiones/categoria_del_comercio.dmn")
    content = draft_file(identity_app, draft_id, "categoria_del_comercio.dmn")
    assert '<decision id="categoria_del_comercio" name="Categoría del comercio">'.encode() in content
    assert web.client.get(response.headers["Location"]).status_code == 200
    again = web.post_form(f"/estudio/borradores/{draft_id}/decisiones",
                          {"nombre": "Otra", "clave": "categoria_del_comercio", "volver": page}, token_from=page)
    assert again.status_code == 302 and again.headers["Location"].endswith(page)
    assert "ya tiene el archivo «categoria_del_comercio.dmn»" in web.client.get(page).get_data(as_text=True)
    bad = web.post_form(f"/estudio/borradores/{draft_id}/decisiones", {"nombre": "X", "clave": "1x"},
                        token_from=page)
    assert bad.status_code == 302 and "La clave de la decisión" in web.client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("user", ["ciudadana", "mesa", "auditor"])
def test_others_cannot_open_or_check(identity_app: Flask, user: str) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    web = signed_in(identity_app, user)
    assert web.client.get(f"/estudio/borradores/{draft_id}/decisiones/riesgo.dmn").status_code == 403


def test_deploy_warns_of_a_bare_word_on_its_cell_too() -> None:
    files = {**bundle_files("evento_publico"), "riesgo.dmn": _with_cell("r_recital_out", "alto")}
    _parsed, report = validate_bundle(bundle_from_files(files), frozenset())
    [warning] = [w for w in report.warnings if w["file"] == "riesgo.dmn"]
    assert (warning["element"], warning["row"], warning["column"]) == ("evento_riesgo", "2", "3")
    assert "la celda «alto» usa «alto»" in warning["message"]
