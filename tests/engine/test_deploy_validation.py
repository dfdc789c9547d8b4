"""Deploying validates everything first and reports every problem at once (REST and CLI)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.fixtures.engine import BUNDLES, ApiClient

BPMN_HEAD = ('<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'id="d">')
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY secreto SYSTEM "file:///etc/passwd">]>\n'
       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&secreto;</bpmn:definitions>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
          + ']>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</bpmn:definitions>')


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _upload(api: ApiClient, files: dict[str, bytes]) -> Any:
    parts = [(io.BytesIO(content), name) for name, content in files.items()]
    return api.post("/api/v1/deployments", data={"files": parts}, content_type="multipart/form-data")


def _problems(response: Any) -> set[tuple[str, str]]:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert all(e["message"] for e in errors)
    return {(e["file"], e["element"]) for e in errors}


def test_every_problem_of_a_bundle_is_reported_at_once(api: ApiClient) -> None:
    response = api.deploy("val_todo_mal")
    assert _problems(response) == {
        ("mal_formado.bpmn", ""),  # not well formed
        ("proceso.bpmn", "sin_formulario"),  # form file missing
        ("roto.schema.json", "formulario_roto"),  # not a valid JSON Schema
        ("proceso.bpmn", "servicio"),  # operation no connector provides
        ("proceso.bpmn", "guion"),  # script that does not compile
        ("proceso.bpmn", "decision"),  # condition that does not compile
    }
    messages = {e["element"]: e["message"] for e in response.get_json()["errors"]}
    assert "falta.schema.json" in messages["sin_formulario"]
    assert "nadie/ofrece_esto" in messages["servicio"]
    assert "total >" in messages["decision"] and "fin" in messages["decision"]
    assert api.get("/api/v1/processes/val_todo_mal").status_code == 404  # nothing was stored


@pytest.mark.parametrize(("content", "expected"), [
    (XXE, "DTD"),
    (LAUGHS, "DTD"),
    (BPMN_HEAD + "<bpmn:process id='p'>", "mal formado"),
])
def test_unsafe_or_broken_xml_is_refused_safely(api: ApiClient, content: str, expected: str) -> None:
    response = _upload(api, {"peligro.bpmn": content.encode()})
    assert _problems(response) == {("peligro.bpmn", "")}
    message = response.get_json()["errors"][0]["message"]
    assert expected in message and "root:" not in message  # /etc/passwd never read


def test_bpmn_the_library_cannot_parse_names_the_element(api: ApiClient) -> None:
    response = api.deploy("val_no_parsea")
    assert ("proceso.bpmn", "f_a") in _problems(response) or ("proceso.bpmn", "f_b") in _problems(response)


def test_a_lane_naming_an_unknown_group_is_a_warning_and_deploys(app: Flask, api: ApiClient) -> None:
    app.extensions["tramites"].known_groups = lambda: {"mesa_entradas", "tesoreria"}
    response = api.deploy("val_aviso_carril")
    assert response.status_code == 201, response.get_json()
    warnings = response.get_json()["warnings"]
    assert [(w["file"], w["element"], w["line"]) for w in warnings] == [("proceso.bpmn", "tesoreria_nueva", "15")]
    assert "«Tesorería Nueva»" in warnings[0]["message"] and "directorio" in warnings[0]["message"]
    assert "¿Quiso decir «tesoreria»?" in warnings[0]["message"]


def test_without_manifest_the_single_executable_process_gives_the_key(api: ApiClient) -> None:
    response = api.deploy("val_sin_manifiesto")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["key"] == "val_unico" and response.get_json()["name"] == "Proceso único"


def test_several_executable_processes_need_a_manifest_naming_one(api: ApiClient) -> None:
    files = _files(BUNDLES / "val_varios_procesos")
    refused = _upload(api, files)
    assert _problems(refused) == {("manifest.yaml", "")}
    assert "val_dos, val_uno" in refused.get_json()["errors"][0]["message"]
    named = _upload(api, {**files, "manifest.yaml": b"key: val_dos\nname: El segundo\n"})
    assert named.status_code == 201 and named.get_json()["key"] == "val_dos"
    wrong = _upload(api, {**files, "manifest.yaml": b"key: val_tres\nname: Ninguno\n"})
    assert _problems(wrong) == {("manifest.yaml", "val_tres")}


def test_a_zip_bundle_deploys_and_an_unchanged_one_keeps_its_version(api: ApiClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in _files(BUNDLES / "simple").items():
            archive.writestr(f"simple/{name}", content)
    first = _upload(api, {"simple.zip": buffer.getvalue()})
    assert first.status_code == 201 and first.get_json()["version"] == 1
    again = _upload(api, _files(BUNDLES / "simple"))  # same files, uploaded one by one
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    changed = _files(BUNDLES / "simple")
    changed["manifest.yaml"] += b"\ndescription: Otra descripcion\n"
    second = _upload(api, changed)
    assert second.status_code == 201 and second.get_json()["version"] == 2


def test_the_cli_validates_and_deploys(app: Flask) -> None:
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["validate", str(BUNDLES / "val_todo_mal")])
    assert bad.exit_code != 0
    for where in ("mal_formado.bpmn", "proceso.bpmn sin_formulario", "proceso.bpmn servicio",
                  "roto.schema.json formulario_roto", "proceso.bpmn guion", "proceso.bpmn decision"):
        assert where in bad.output, bad.output
    good = runner.invoke(args=["validate", str(BUNDLES / "simple")])
    assert good.exit_code == 0, good.output
    deployed = runner.invoke(args=["deploy", str(BUNDLES / "simple")])
    assert deployed.exit_code == 0 and "tramite_simple versión 1" in deployed.output, deployed.output
    refused = runner.invoke(args=["deploy", str(BUNDLES / "val_no_parsea")])
    assert refused.exit_code != 0 and "f_a" in refused.output + str(refused.stderr_bytes or b"")


FOREIGN = """<?xml version="1.0"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="ajeno" targetNamespace="http://otra.herramienta">
  <dataStore id="archivo_central" name="Archivo central"/>
  <process id="ajeno" isExecutable="true">
    <dataStoreReference id="ref_archivo" dataStoreRef="archivo_central"/>
    <startEvent id="inicio"/>
    <sequenceFlow id="f1" sourceRef="inicio" targetRef="revisar"/>
    <userTask id="revisar">
      <dataOutputAssociation id="a1"><targetRef>ref_archivo</targetRef></dataOutputAssociation>
    </userTask>
    <sequenceFlow id="f2" sourceRef="revisar" targetRef="decision"/>
    <exclusiveGateway id="decision" default="f_no"/>
    <sequenceFlow id="f_si" sourceRef="decision" targetRef="archivar">
      <conditionExpression id="c1">${aprobado &amp;&amp; !observado}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="f_no" sourceRef="decision" targetRef="fin"/>
    <serviceTask id="archivar"/>
    <sequenceFlow id="f3" sourceRef="archivar" targetRef="fin"/>
    <endEvent id="fin"/>
  </process>
</definitions>
"""


def test_a_model_from_another_tool_is_adapted_with_warnings_and_runs(api: ApiClient) -> None:
    response = _upload(api, {"ajeno.bpmn": FOREIGN.encode()})
    assert response.status_code == 201, response.get_json()
    warnings = {w["element"]: w["message"] for w in response.get_json()["warnings"]}
    assert set(warnings) == {"archivo_central", "ref_archivo", "c1", "archivar"}
    assert "aprobado and not observado" in warnings["c1"]
    started = api.start("ajeno", {}).get_json()
    task = api.ready_task(started["id"], "revisar")
    assert api.complete(task["id"], {"aprobado": True, "observado": False}).status_code == 200
    assert api.instance(started["id"])["status"] == "completed"


def test_a_native_model_is_never_adapted(api: ApiClient) -> None:
    native = (BUNDLES / "val_todo_mal" / "proceso.bpmn").read_text().replace("total &gt;", "${total}")
    response = _upload(api, {"proceso.bpmn": native.encode(), "roto.schema.json": b"{}",
                             "falta.schema.json": b"{}"})
    assert ("proceso.bpmn", "decision") in _problems(response)  # JUEL is a problem in our own dialect
    untyped = (BUNDLES / "val_sin_manifiesto" / "solo.bpmn").read_text().replace("userTask", "task")
    refused = _upload(api, {"solo.bpmn": untyped.encode()})
    assert _problems(refused) == {("solo.bpmn", "mirar")}  # the library would wait on it unseen


@pytest.mark.parametrize(("files", "file"), [
    ({"paquete.zip": b"no es un zip"}, ""),
    ({"../fuera.bpmn": b"<x/>"}, "../fuera.bpmn"),
    ({"p.bpmn": b"<x/>", "manifest.yaml": b"key: [sin cerrar"}, "manifest.yaml"),
])
def test_an_unreadable_bundle_is_a_problem_document_too(api: ApiClient, files: dict[str, bytes], file: str) -> None:
    response = _upload(api, files)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert [e["file"] for e in response.get_json()["errors"]] == [file]


def test_literal_service_parameters_are_checked_against_the_operation_schema(api: ApiClient) -> None:
    files = _files(BUNDLES / "gaf_pago")
    bpmn = files["pago_gaf.bpmn"].decode()
    bpmn = bpmn.replace('<spiffworkflow:parameter id="concepto" type="str" value="\'Tasa de prueba\'"/>', "")
    bpmn = bpmn.replace('value="importe"', 'value="\'quince pesos\'"')
    files["pago_gaf.bpmn"] = bpmn.encode()
    response = _upload(api, files)
    assert response.status_code == 422
    messages = " ".join(e["message"] for e in response.get_json()["errors"] if e["element"] == "liquidar")
    assert "concepto" in messages and "importe" in messages
    # Expressions are only known when the task runs: the original bundle deploys.
    assert api.deploy("gaf_pago").status_code == 201


def test_who_starts_and_the_business_days_of_a_manifest_are_checked(api: ApiClient) -> None:
    files = _files(BUNDLES / "simple")
    manifest = files["manifest.yaml"]
    wrong = _upload(api, {**files,
                          "manifest.yaml": manifest + b"\niniciado_por: area_solicitante\nplazo_dias_habiles: diez\n"})
    assert _problems(wrong) == {("manifest.yaml", "iniciado_por"), ("manifest.yaml", "plazo_dias_habiles")}
    right = _upload(api, {**files,
                          "manifest.yaml": manifest + b"\niniciado_por: [area_solicitante]\nplazo_dias_habiles: 10\n"})
    assert right.status_code == 201, right.get_json()
