"""A broken copy of a procedure is refused with every problem at once, in Spanish, with file, element and line/row.

The pre-checks run on the XML before SpiffWorkflow builds specs, so a dangling flow or a wrong
decision id no longer hides the rest; DMN cells and timers are compiled the way the engine
runs them, so what deploys does not fail when a case reaches it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from engine.workflow.bundles import bundle_from_files
from engine.workflow.spiff import ScriptEngine
from engine.workflow.tasks import group_of_lane
from engine.workflow.validation import validate_bundle
from engine.workflow.validation.dmn import input_cell_problems
from engine.workflow.validation.timers import timer_problems
from tests.fixtures.engine import BUNDLES, ApiClient

KNOWN_GROUPS = {"mesa_entradas", "defensa_civil", "transito"}
# (file, element, line or row) of every problem of tests/data/bundles/val_evento_roto
EXPECTED = {
    ("evento.bpmn", "f6", "line", "43"): "repetido",  # duplicated id
    ("evento.bpmn", "f7", "line", "42"): "«fin_inexistente», que no existe",  # dangling flow
    ("evento.bpmn", "calcular", "line", "17"): "¿Quiso decir «riesgo_y_tasa»?",  # wrong decision id
    ("evento.bpmn", "esperar_pago", "line", "40"): "«msg_pago_tasa» no está declarado",  # unknown message
    ("evento.bpmn", "vence_correccion", "line", "23"): 'ponga la duración entre comillas: "P15D"',  # timer
    ("evento.bpmn", "preparar", "line", "37"): "Guion «vence = = 1»",  # still checked after the repairs
    ("riesgo.dmn", "riesgo_y_tasa", "row", "3"): "«200 <= ? <= 1000»",  # FEEL range
    ("riesgo.dmn", "riesgo_y_tasa", "row", "4"): 'Un texto va entre comillas: "alto riesgo"',  # output cell
}


def _where(items: list[dict[str, str]]) -> dict[tuple[str, str, str, str], str]:
    found = {}
    for item in items:
        kind = "row" if "row" in item else "line"
        found[(item["file"], item["element"], kind, item.get(kind, ""))] = item["message"]
    return found


def test_a_broken_procedure_lists_every_problem_in_spanish(app: Flask, api: ApiClient) -> None:
    app.extensions["tramites"].known_groups = lambda: KNOWN_GROUPS
    response = api.deploy("val_evento_roto")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    problems = _where(body["errors"])
    assert set(problems) == set(EXPECTED), body["errors"]
    for where, phrase in EXPECTED.items():
        assert phrase in problems[where], (where, problems[where])
    assert "Fila 3, columna «Asistentes»" in problems[("riesgo.dmn", "riesgo_y_tasa", "row", "3")]
    assert all(p["line"] for p in body["errors"])  # DMN cells carry their XML line as well as the row
    for english in ("same ID", "No DMN", "Could not", "Multiple outgoing", "invalid syntax ("):
        assert english not in " ".join(p["message"] for p in body["errors"])
    # the unknown group comes with the refusal, with a suggestion; the candidateGroup override is not warned
    warnings = _where(body["warnings"])
    # the bundle has no start form: the decision's input «evento» comes from nowhere the bundle says
    assert list(warnings) == [("riesgo.dmn", "riesgo_y_tasa", "line", "5"),
                              ("evento.bpmn", "defensa_cvil", "line", "27")]
    assert "«evento[\"asistentes\"]» lee «evento»" in warnings[("riesgo.dmn", "riesgo_y_tasa", "line", "5")]
    assert "¿Quiso decir «defensa_civil»?" in warnings[("evento.bpmn", "defensa_cvil", "line", "27")]
    assert api.get("/api/v1/processes/val_evento_roto").status_code == 404


def test_the_cli_prints_every_problem_with_its_line(app: Flask) -> None:
    app.extensions["tramites"].known_groups = lambda: KNOWN_GROUPS
    result = app.test_cli_runner().invoke(args=["validate", str(BUNDLES / "val_evento_roto")])
    assert result.exit_code == 1
    for file, element, kind, where in EXPECTED:
        located = f"{file} {element} (línea " if kind == "row" else f"{file} {element} (línea {where})"
        assert located in result.output, result.output
    assert "Fila 4, resultado «Riesgo»" in result.output
    assert "Aviso: evento.bpmn defensa_cvil (línea 27): " in result.output


@pytest.mark.parametrize(("lane", "group"), [
    ("Mesa de Entradas", "mesa_entradas"),
    ("Dirección de Espacios Públicos", "direccion_espacios_publicos"),
    ("Defensa Civil", "defensa_civil"),
    ("Atención al Vecino", "atencion_vecino"),
    ("Secretaría de Hacienda y Finanzas", "secretaria_hacienda_finanzas"),
    ("mesa_entradas", "mesa_entradas"),  # a group id maps to itself
])
def test_one_rule_turns_a_lane_into_its_group(lane: str, group: str) -> None:
    assert group_of_lane(lane) == group


@pytest.mark.parametrize(("kind", "text", "problem"), [
    ("timeDuration", "P15D", 'entre comillas: "P15D"'),
    ("timeDuration", '"P15D"', None),
    ("timeDuration", "dias_habiles(10)", None),
    ("timeDuration", "dias_habiles(-1)", "número entero"),
    ("timeDuration", '"P15X"', "ISO 8601"),
    ("timeDuration", "plazo_correccion", None),  # a variable holding the duration: known at run time
    ("timeDate", 'boleta["vencimiento"] + "T23:59:59-03:00"', None),
    ("timeDate", '"2026-13-40"', "fecha ISO 8601"),
    ("timeCycle", "R3/PT1H", 'entre comillas: "R3/PT1H"'),
    ("timeCycle", '"R3/PT1H"', None),
    ("timeDate", "dias_habiles(3)", "timeDuration"),
    ("timeDuration", "", "no tiene duración"),
])
def test_timer_expressions_are_checked_as_the_engine_evaluates_them(kind: str, text: str, problem: str | None) -> None:
    found = timer_problems(kind, text)
    assert (found == []) if problem is None else (len(found) == 1 and problem in found[0]), found


def _decide(cell: str, value: Any) -> Any:
    """Run one input cell through SpiffWorkflow's own DMN engine with our sandboxed script engine."""
    task = SimpleNamespace(data={"asistentes": value}, workflow=SimpleNamespace(script_engine=ScriptEngine()))
    return DMNEngine(None).evaluate("asistentes", cell, task)


@pytest.mark.parametrize(("cell", "hint"), [
    ("between 200 and 1000", "200 <= ? <= 1000"),
    ("[200..1000]", "200 <= ? <= 1000"),
    ("]200..1000[", "200 < ? < 1000"),
    (">= 200 and <= 1000", "200 <= ? <= 1000"),
])
def test_feel_ranges_are_refused_with_a_form_the_engine_really_runs(cell: str, hint: str) -> None:
    problems = input_cell_problems("asistentes", cell)
    assert len(problems) == 1 and hint in problems[0], problems
    with pytest.raises(Exception):  # noqa: B017 - the library's own failure, whatever its class
        _decide(cell, 500)
    assert _decide(hint, 500) is True and _decide(hint, 1500) is False


@pytest.mark.parametrize("cell", [None, "-", "> 5", '"comercio"', '? in (1, 500)', "? % 2 == 0", "not 5", " in (1, 2)"])
def test_cells_the_engine_runs_are_accepted(cell: str | None) -> None:
    assert input_cell_problems("asistentes", cell) == []
    if cell is not None and cell != "-":
        _decide(cell, 500)  # runs in the engine without raising


@pytest.mark.parametrize("cell", ['in (1, 500)', "not in (1, 2)"])
def test_a_cell_the_engine_would_glue_to_the_input_is_refused(cell: str) -> None:
    problems = input_cell_problems("asistentes", cell)
    assert len(problems) == 1 and f"«? {cell}»" in problems[0], problems
    with pytest.raises(Exception):  # noqa: B017 - "asistentesin (…)": a name that does not exist
        _decide(cell, 500)


def _guide_cells(tag: str) -> list[str]:
    guide = (BUNDLES.parents[2] / "docs" / "guia-analista.md").read_text(encoding="utf-8")
    block = re.search(rf"```text {tag}\n(.*?)```", guide, re.DOTALL)
    assert block, tag
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_validator_agrees_with_the_analyst_guide_on_dmn_cells() -> None:
    """What the guide says works deploys; what it says fails is refused at deploy, not at run time."""
    accepted = {cell: input_cell_problems("entrada", cell) for cell in _guide_cells("celdas-dmn")}
    assert accepted == {cell: [] for cell in accepted}
    refused = [cell for cell in _guide_cells("celdas-dmn-rechazadas") if not input_cell_problems("entrada", cell)]
    assert refused == []


BREAKS = {  # file → (original, broken): each one of the faults the issue lists
    "evento_publico.bpmn": [
        ("<bpmn:timeDuration>dias_habiles(10)</bpmn:timeDuration>", "<bpmn:timeDuration>P10D</bpmn:timeDuration>"),
        ("<spiffworkflow:calledDecisionId>evento_riesgo<", "<spiffworkflow:calledDecisionId>evento_riesgos<"),
        ('id="f_revisar" sourceRef="revisar_solicitud" targetRef="revision_gw"',
         'id="f_revisar" sourceRef="revisar_solicitud" targetRef="revision_gw2"'),
        ('name="Defensa Civil"', 'name="Defensa Cvil"'),
    ],
    "riesgo.dmn": [("<text>200 &lt;= ? &lt; 1000</text>", "<text>between 200 and 999</text>")],
    "permiso/template.html": [("{% block encabezado_extra %}", "{% block encabezado %}")],
}


def test_a_broken_copy_of_the_evento_bundle_lists_every_problem(app: Flask, api: ApiClient, tmp_path: Path) -> None:
    source = BUNDLES.parents[2] / "processes" / "evento_publico"
    files = {str(p.relative_to(source)): p.read_bytes() for p in source.rglob("*") if p.is_file()}
    for name, changes in BREAKS.items():
        text = files[name].decode()
        for original, broken in changes:
            assert original in text, original
            text = text.replace(original, broken, 1)
        files[name] = text.encode()
    app.extensions["tramites"].known_groups = lambda: KNOWN_GROUPS | {"direccion_espacios_publicos"}
    response = api.post("/api/v1/deployments", content_type="multipart/form-data",
                        data={"files": [(io.BytesIO(content), name) for name, content in files.items()]})
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    found = [(e["file"], e["element"], e["message"]) for e in body["errors"]]
    for file, phrase in [("evento_publico.bpmn", 'entre comillas: "P10D"'),
                         ("evento_publico.bpmn", "¿Quiso decir «evento_riesgo»"),
                         ("evento_publico.bpmn", "«revision_gw2», que no existe en el proceso"),
                         ("riesgo.dmn", "Fila 2, columna «Asistentes"),
                         ("permiso/template.html", "El bloque «encabezado» no existe en plataforma/layout.html")]:
        assert [f for f in found if f[0] == file and f[1] and phrase in f[2]], (phrase, "\n".join(map(str, found)))
    assert all(e.get("line") for e in body["errors"])
    warned = {(w["file"], w["element"]): w["message"] for w in body["warnings"]}
    assert "¿Quiso decir «defensa_civil»?" in warned[("evento_publico.bpmn", "defensa_cvil")]


def test_a_second_decision_in_one_dmn_file_is_refused_in_spanish() -> None:
    """The library reads one decision per file and fails on a second with an English AttributeError."""
    source = BUNDLES.parents[2] / "processes" / "evento_publico"
    files = {str(p.relative_to(source)): p.read_bytes() for p in source.rglob("*") if p.is_file()}
    second = re.search(r"<decision .*?</decision>", files.pop("tasa.dmn").decode(), re.DOTALL)
    assert second
    files["riesgo.dmn"] = files["riesgo.dmn"].replace(b"</definitions>", second.group(0).encode() + b"</definitions>")
    _parsed, report = validate_bundle(bundle_from_files(files), frozenset(
        {"gaf/liquidar_tasa", "documentos/emitir_certificado", "notificar/email"}))
    messages = [(p["file"], p["element"], p["message"]) for p in report.problems]
    assert ("riesgo.dmn", "evento_tasa", "Un archivo .dmn lleva una sola decisión: «evento_tasa» está junto a "
            "«evento_riesgo». Póngala en su propio archivo .dmn.") in messages
    assert not [m for m in messages if "Error" in m[2]], messages


def test_an_input_expression_reading_a_name_nothing_defines_is_a_warning_with_its_column() -> None:
    from lxml import etree

    from engine.workflow.validation.dmn import unknown_names
    from engine.workflow.validation.report import Report

    table = (b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">'
             b'<decision id="tasa" name="Tasa"><decisionTable id="t">'
             b'<input id="i1" label="Tipo"><inputExpression id="e1"><text>tipo</text></inputExpression></input>'
             b'<input id="i2" label="Dato"><inputExpression id="e2"><text>dato</text></inputExpression></input>'
             b'<output id="o" name="tasa"/><rule id="r"><inputEntry id="a"><text>"x"</text></inputEntry>'
             b'<inputEntry id="b"><text>-</text></inputEntry><outputEntry id="c"><text>1</text></outputEntry>'
             b'</rule></decisionTable></decision></definitions>')
    report = Report()
    unknown_names("tasa.dmn", etree.fromstring(table), {"tipo"}, report)
    assert [(w["element"], w.get("column"), w["message"]) for w in report.warnings] == [
        ("tasa", "2", "Columna «Dato»: la expresión de entrada «dato» lee «dato», que ningún formulario, tarea ni "
                      "decisión del paquete define: si no llega con los datos de inicio (API o mensaje), el caso "
                      "fallará al llegar a la tabla.")]
