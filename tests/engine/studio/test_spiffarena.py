"""A SpiffArena process model imported as bundle files, with a warning for each thing that does not carry over."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest
from lxml import etree

from engine import safe_yaml
from engine.errors import DataInvalid
from engine.studio import archive
from engine.studio.spiffarena import Imported, export_model, import_model, looks_like_spiffarena
from engine.workflow.bundles import bundle_from_files, bundle_from_path, bundle_from_zip
from engine.workflow.deployments import validate

MODEL = Path(__file__).resolve().parents[2] / "data" / "spiffarena_poda"
PROCESSES = Path(__file__).resolve().parents[3] / "processes"
OPERATIONS = frozenset({"gaf/liquidar_tasa", "notificar/email", "directorio/buscar_persona"})
GROUPS = frozenset({"mesa_entradas", "arbolado"})
#: (file, element) of every warning the hand-written model must give, and a word of its message.
EXPECTED = {
    ("process_model.json", "exception_notification_addresses"): "arbolado@example.org",
    ("process_model.json", "metadata_extraction_paths"): "arbol.especie",
    ("arboles_datastore.json", ""): "no usa este archivo",
    ("test_poda_arbolado.json", ""): "pruebas unitarias",
    ("poda_arbolado.bpmn", "registro_podas"): "almacén de datos",
    ("poda_arbolado.bpmn", "registrar"): "get_current_user",
    ("poda_arbolado.bpmn", "avisar_vecinos"): "notificar_vecinos",
    ("poda_arbolado.bpmn", "consultar_padron"): "http/GetRequestV2",
    ("poda_arbolado.bpmn", "revisar"): "arbolado_urbano",
}


def _files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in MODEL.iterdir()}


def _imported() -> Imported:
    return import_model(_files(), OPERATIONS, GROUPS)


def test_the_model_carries_over_with_its_forms_renamed_and_its_names_in_the_manifest() -> None:
    imported = _imported()
    assert imported.key == "poda_arbolado" and imported.name == "Poda de arbolado"
    assert sorted(imported.files) == ["manifest.yaml", "poda_arbolado.bpmn", "revision.schema.json",
                                      "riesgo_poda.dmn", "solicitud.schema.json", "solicitud.uischema.json"]
    assert imported.files["solicitud.schema.json"] == (MODEL / "solicitud-schema.json").read_bytes()
    manifest = safe_yaml.load(imported.files["manifest.yaml"], max_bytes=4096)
    assert manifest == {"key": "poda_arbolado", "name": "Poda de arbolado",
                        "description": "Pedido de poda o extracción de un árbol de la vereda."}
    root = etree.fromstring(imported.files["poda_arbolado.bpmn"])
    values = {p.get("name") + "@" + p.getparent().getparent().getparent().get("id"): p.get("value")
              for p in root.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}property")}
    assert values == {"formJsonSchemaFilename@solicitar": "solicitud.schema.json",
                      "formUiSchemaFilename@solicitar": "solicitud.uischema.json",
                      "formJsonSchemaFilename@revisar": "revision.schema.json"}
    text = imported.files["poda_arbolado.bpmn"].decode()
    for gone in ("dataStore", "DataOutputAssociation_registro", "unitTest", "registro_podas"):
        assert gone not in text  # the data store, its association and shapes, the inline unit tests
    assert "get_current_user" in text  # kept: the analyst replaces it, the warning says where
    assert imported.files["riesgo_poda.dmn"].startswith(b"<?xml")


def test_each_thing_that_does_not_carry_over_has_its_warning() -> None:
    warnings = _imported().warnings
    found = {(w["file"], w["element"]): w["message"] for w in warnings}
    assert len(warnings) == len(found) + 1  # «registrar» has two: its unit test and its function
    assert set(found) == set(EXPECTED)
    for where, word in EXPECTED.items():
        messages = [w["message"] for w in warnings if (w["file"], w["element"]) == where]
        assert any(word in m for m in messages), (where, messages)
    assert all(w["message"][0].isupper() for w in warnings)


def test_the_draft_validates_but_for_exactly_what_was_warned() -> None:
    imported = _imported()
    problems, warnings = validate(bundle_from_files(imported.files), OPERATIONS, lambda: set(GROUPS))
    warned = {(w["file"], w["element"]) for w in imported.warnings}
    assert {(p["file"], p["element"]) for p in problems} == {("poda_arbolado.bpmn", "avisar_vecinos"),
                                                           ("poda_arbolado.bpmn", "consultar_padron")}
    assert {(p["file"], p["element"]) for p in problems} <= warned
    assert [w["message"] for w in warnings if "arbolado_urbano" in w["message"]]  # the lane, warned by both


def test_once_the_warned_things_are_fixed_the_draft_has_no_problem() -> None:
    files = _imported().files
    bpmn = files["poda_arbolado.bpmn"].decode()
    bpmn = bpmn.replace('id="http/GetRequestV2" resultVariable="padron"',
                        'id="directorio/buscar_persona" resultVariable="padron"')
    bpmn = bpmn.replace('<spiffworkflow:parameter id="url" type="str"', '<spiffworkflow:parameter id="usuario" '
                        'type="str"').replace('"\'https://arbolado.example.org/api\'"', '"\'arbolado\'"')
    bpmn = bpmn.replace('calledElement="notificar_vecinos"', 'calledElement="poda_arbolado"')
    bpmn = bpmn.replace('get_current_user()["username"]', '"arbolado"')
    problems, _ = validate(bundle_from_files({**files, "poda_arbolado.bpmn": bpmn.encode()}), OPERATIONS,
                           lambda: set(GROUPS))
    assert problems == []
    again = import_model({"poda_arbolado.bpmn": bpmn.encode()}, OPERATIONS, None)
    assert not [w for w in again.warnings if w["element"] in {"registrar", "consultar_padron"}]


def test_a_zip_of_the_folder_is_recognised_and_reads_the_same() -> None:
    files = _files()
    zipped = bundle_from_zip(archive.zip_files(files, "poda-arbolado")).files
    assert dict(zipped) == files and looks_like_spiffarena(zipped)
    assert not looks_like_spiffarena(bundle_from_path(PROCESSES / "evento_publico").files)
    assert looks_like_spiffarena({"a.bpmn": b"", "a-schema.json": b"{}"})  # no process_model.json


def test_without_process_model_json_the_key_and_name_come_from_the_bpmn() -> None:
    files = {n: c for n, c in _files().items() if n.endswith((".bpmn", ".dmn", ".json")) and n != "process_model.json"}
    imported = import_model(files, OPERATIONS)
    assert (imported.key, imported.name) == ("poda_arbolado", "Poda de arbolado")
    assert not [w for w in imported.warnings if w["element"] == "revisar"]  # no directory given: lanes unchecked


def test_a_form_named_by_a_property_but_not_by_spiffarena_suffixes_is_renamed() -> None:
    bpmn = (MODEL / "poda_arbolado.bpmn").read_text().replace("revision-schema.json", "inspeccion.json")
    imported = import_model({"poda_arbolado.bpmn": bpmn.encode(), "inspeccion.json": b"{}",
                             "solicitud-schema.json": b"{}"}, OPERATIONS)
    assert {"inspeccion.schema.json", "solicitud.schema.json"} <= set(imported.files)
    assert b'value="inspeccion.schema.json"' in imported.files["poda_arbolado.bpmn"]
    [missing] = [w for w in imported.warnings if "solicitud-uischema.json" in w["message"]]
    assert missing["element"] == "solicitar"


def test_a_model_without_the_spiff_dialect_is_adapted_and_its_notes_are_warnings() -> None:
    foreign = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="simple" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>a</bpmn:outgoing></bpmn:startEvent>
    <bpmn:task id="t"><bpmn:incoming>a</bpmn:incoming><bpmn:outgoing>b</bpmn:outgoing></bpmn:task>
    <bpmn:endEvent id="e"><bpmn:incoming>b</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="b" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""
    model = json.dumps({"display_name": "Simple"}).encode()
    imported = import_model({"simple.bpmn": foreign, "process_model.json": model}, OPERATIONS)
    assert b"manualTask" in imported.files["simple.bpmn"]
    assert [w["element"] for w in imported.warnings] == ["t"]
    assert validate(bundle_from_files(imported.files), OPERATIONS)[0] == []


def test_functions_the_script_defines_or_the_sandbox_has_are_not_warned() -> None:
    script = "def doble(x):\n    return 2 * x\nn = doble(len(sorted(lista))) + dias_habiles_entre(hoy(), hoy())\n" \
             "m = (lambda y: y)(1)"
    bpmn = (MODEL / "poda_arbolado.bpmn").read_text().replace(
        'get_current_user()["username"]', '"x"').replace('urgente = riesgo == "alto"', script)
    imported = import_model({"poda_arbolado.bpmn": bpmn.encode()}, OPERATIONS)
    assert not [w for w in imported.warnings if w["message"].startswith("El código llama")]


@pytest.mark.parametrize("files, message", [
    ({"process_model.json": b"{}"}, "ningún archivo .bpmn"),
    ({"process_model.json": b"{no", "a.bpmn": b"<a/>"}, "no es JSON"),
])
def test_a_model_that_cannot_be_imported_says_why(files: dict[str, bytes], message: str) -> None:
    with pytest.raises(DataInvalid, match=message):
        import_model(files, OPERATIONS)



def test_a_decision_the_model_does_not_hold_is_warned() -> None:
    files = {n: c for n, c in _files().items() if n != "riesgo_poda.dmn"}
    imported = import_model(files, OPERATIONS, GROUPS)
    [warning] = [w for w in imported.warnings if w["element"] == "evaluar"]
    assert "riesgo_poda" in warning["message"]
    problems, _ = validate(bundle_from_files(imported.files), OPERATIONS, lambda: set(GROUPS))
    assert ("poda_arbolado.bpmn", "evaluar") in {(p["file"], p["element"]) for p in problems}


def test_a_process_id_that_cannot_be_a_key_is_renamed_with_its_references() -> None:
    bpmn = (MODEL / "poda_arbolado.bpmn").read_text().replace('"poda_arbolado"', '"Process_Poda-1"')
    bpmn = bpmn.replace('calledElement="notificar_vecinos"', 'calledElement="Process_Poda-1"')
    model = json.dumps({"display_name": "Poda", "primary_process_id": "Process_Poda-1"}).encode()
    imported = import_model({"poda_arbolado.bpmn": bpmn.encode(), "process_model.json": model}, OPERATIONS)
    assert imported.key == "process_poda_1"
    assert safe_yaml.load(imported.files["manifest.yaml"], max_bytes=4096) == {"key": "process_poda_1",
                                                                               "name": "Poda"}
    text = imported.files["poda_arbolado.bpmn"].decode()
    assert "Process_Poda-1" not in text and 'calledElement="process_poda_1"' in text
    assert 'processRef="process_poda_1"' in text
    [renamed] = [w for w in imported.warnings if w["element"] == "process_poda_1"]
    assert "Process_Poda-1" in renamed["message"]
    problems, _ = validate(bundle_from_files(imported.files), OPERATIONS)
    assert "avisar_vecinos" not in {p["element"] for p in problems}  # the call now reaches the renamed process


def test_a_zip_of_a_process_group_imports_its_one_model_and_refuses_several() -> None:
    nested = {f"arbolado/poda/{n}": c for n, c in _files().items()}
    assert looks_like_spiffarena(nested)
    imported = import_model(nested, OPERATIONS, GROUPS)
    assert imported.key == "poda_arbolado" and "solicitud.schema.json" in imported.files
    several = {**nested, "arbolado/otro/process_model.json": b"{}", "arbolado/otro/otro.bpmn": b"<a/>"}
    with pytest.raises(DataInvalid, match="varios modelos"):
        import_model(several, OPERATIONS)


@pytest.mark.parametrize("text, markdown", [
    ("## Datos del árbol\nRevise la dirección.", True),
    ("Revise **con cuidado** la dirección.", True),
    ("- primero\n- segundo", True),
    ("Vea [el mapa](https://example.org/mapa).", True),
    ("<p>Revise la dirección de {{ direccion }}.</p>", False),
    ("Indique dónde está el árbol.", False),
])
def test_instructions_in_markdown_are_warned(text: str, markdown: bool) -> None:
    bpmn = (MODEL / "poda_arbolado.bpmn").read_text().replace("Indique dónde está el árbol.", escape(text))
    imported = import_model({"poda_arbolado.bpmn": bpmn.encode()}, OPERATIONS)
    found = [w for w in imported.warnings if "Markdown" in w["message"]]
    assert [w["element"] for w in found] == (["solicitar"] if markdown else [])


@pytest.mark.parametrize("text, word", [
    ("Dirección: {{ direccion | sanitize_for_md }}", "«sanitize_for_md»"),
    ("{{ x +=- 1}}", "no son una plantilla válida"),
    ("Dirección: {{ direccion | upper }} {% if altura is number %}({{ altura }} m){% endif %}", None),
])
def test_instructions_the_platform_cannot_fill_in_are_warned(text: str, word: str | None) -> None:
    bpmn = (MODEL / "poda_arbolado.bpmn").read_text().replace("Indique dónde está el árbol.", escape(text))
    imported = import_model({"poda_arbolado.bpmn": bpmn.encode()}, OPERATIONS)
    found = [w["message"] for w in imported.warnings if w["message"].startswith("Las instrucciones")]
    assert (found == []) if word is None else (len(found) == 1 and word in found[0]), found


def _c14n(content: bytes) -> bytes:
    return etree.tostring(etree.fromstring(content), method="c14n")


@pytest.mark.parametrize("folder", sorted(p.name for p in PROCESSES.iterdir() if p.is_dir()))
def test_every_bundle_goes_to_spiffarena_and_back_unchanged(folder: str) -> None:
    bundle = bundle_from_path(PROCESSES / folder)
    key, name = str(bundle.manifest["key"]), str(bundle.manifest["name"])
    main = next(n for n in bundle.names(".bpmn") if f'id="{key}"'.encode() in bundle.files[n])
    exported = export_model(bundle.files, key, name, main)
    model = json.loads(exported["process_model.json"])
    assert (model["display_name"], model["primary_process_id"], model["primary_file_name"]) == (name, key, main)
    assert not [n for n in exported if n.endswith((".schema.json", ".uischema.json"))]
    named = {p.get("value") for n in exported if n.endswith(".bpmn")
             for p in etree.fromstring(exported[n]).iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}property")
             if p.get("name") in ("formJsonSchemaFilename", "formUiSchemaFilename")}
    assert named <= set(exported)  # every task names its form by the SpiffArena name
    assert looks_like_spiffarena(exported)
    back = import_model(bundle_from_zip(archive.zip_files(exported, key)).files, OPERATIONS)
    assert back.key == key and set(back.files) == set(bundle.files)
    for file, content in bundle.files.items():
        if file.endswith(".bpmn"):
            assert _c14n(back.files[file]) == _c14n(content), file
        elif file == "manifest.yaml":
            assert safe_yaml.load(back.files[file], max_bytes=65536) == dict(bundle.manifest)
        else:
            assert back.files[file] == content, file
