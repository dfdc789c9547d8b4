"""The diff of two versions: a bundle of processes/ deployed, changed and deployed again."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from flask import Flask

from engine.studio import diff
from engine.workflow import deployments
from tests.fixtures.engine import ApiClient

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
KEY = "habilitacion_comercial"
BPMN = f"{KEY}.bpmn"


def _deploy(api: ApiClient, folder: Path) -> int:
    response = api.deploy(folder)
    assert response.status_code == 201, response.get_json()
    version: int = response.get_json()["version"]
    return version


def _second_version(folder: Path) -> None:
    """Change one element's meaning, move another's shape, and change a form, a template, a decision."""
    bpmn = folder / BPMN
    text = bpmn.read_text(encoding="utf-8")
    # The inspection's SLA goes from 5 to 7 business days: a change of meaning.
    start = text.index('<bpmn:userTask id="inspeccionar"')
    text = text[:start] + text[start:].replace('value="P5D"', 'value="P7D"', 1)
    # Every shape moves 10 px to the right and the file is re-indented: layout only, no change.
    text = re.sub(r'(<dc:Bounds x=")(\d+(?:\.\d+)?)', lambda m: f"{m.group(1)}{float(m.group(2)) + 10:g}", text)
    text = text.replace("\n    <", "\n  <")
    bpmn.write_text(text, encoding="utf-8")
    # A form's meaning changes; another is only re-indented (JSON read as data: no change).
    schema = json.loads((folder / "inspeccion.schema.json").read_text(encoding="utf-8"))
    schema["title"] = "Informe de la inspección del local"
    (folder / "inspeccion.schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    same = json.loads((folder / "solicitud.schema.json").read_text(encoding="utf-8"))
    (folder / "solicitud.schema.json").write_text(json.dumps(same, indent=8), encoding="utf-8")
    # A template's style changes, and a new form is added.
    css = folder / "licencia" / "licencia.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nh1 { letter-spacing: 0.02em; }\n", encoding="utf-8")
    (folder / "notas.schema.json").write_text(json.dumps({"type": "object", "properties": {}}), encoding="utf-8")


def test_the_diff_of_two_deployed_versions(app: Flask, api: ApiClient, tmp_path: Path) -> None:
    folder = tmp_path / KEY
    shutil.copytree(PROCESSES / KEY, folder)
    assert _deploy(api, folder) == 1
    _second_version(folder)
    assert _deploy(api, folder) == 2
    with app.app_context():
        one, two = deployments.version(KEY, 1), deployments.version(KEY, 2)
        changes = diff.compare(one, two)
        backwards = diff.compare(two, one)
        same = diff.compare(one, one)
    assert [(e.id, e.kind, e.name) for e in changes.changed] == [("inspeccionar", "userTask", "Inspeccionar el local")]
    assert changes.added == [] and changes.removed == []
    assert changes.files["forms"] == diff.FileChanges(added=["notas.schema.json"], changed=["inspeccion.schema.json"])
    assert changes.files["templates"] == diff.FileChanges(changed=["licencia/licencia.css"])
    assert not changes.files["decisions"] and not changes.files["other"]
    assert backwards.files["forms"].removed == ["notas.schema.json"]
    assert same.empty and not changes.empty


def _bpmn(body: str, lanes: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC">
  <bpmn:process id="p" isExecutable="true">
    {lanes}
    {body}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="p">
    <bpmndi:BPMNShape id="s_a" bpmnElement="a"><dc:Bounds x="1" y="2" width="3" height="4"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>""".encode()


def test_added_removed_and_changed_elements_with_their_kinds() -> None:
    before = _bpmn("""<bpmn:startEvent id="a" name="Inicio"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
        <bpmn:sequenceFlow id="f1" sourceRef="a" targetRef="b"/>
        <bpmn:userTask id="b" name="Revisar"><bpmn:incoming>f1</bpmn:incoming></bpmn:userTask>
        <bpmn:scriptTask id="c" name="Calcular"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>""",
                   '<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="Mesa"><bpmn:flowNodeRef>b</bpmn:flowNodeRef>'
                   '</bpmn:lane><bpmn:lane id="l2" name="Obras"/></bpmn:laneSet>')
    after = _bpmn("""<bpmn:startEvent id="a" name="Inicio"><bpmn:outgoing>f2</bpmn:outgoing></bpmn:startEvent>
        <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
        <bpmn:userTask id="b" name="Revisar"><bpmn:incoming>f2</bpmn:incoming></bpmn:userTask>
        <bpmn:scriptTask id="c" name="Calcular"><bpmn:script>
            x   =   1
        </bpmn:script></bpmn:scriptTask>
        <bpmn:endEvent id="z" name="Fin"/>""",
                  '<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="Mesa"/><bpmn:lane id="l2" name="Obras">'
                  '<bpmn:flowNodeRef>b</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>')
    changes = diff.compare_files({"x.bpmn": before}, {"x.bpmn": after})
    assert [(e.id, e.kind, e.name) for e in changes.added] == [("z", "endEvent", "Fin"), ("f2", "sequenceFlow", "")]
    assert [(e.id, e.kind) for e in changes.removed] == [("f1", "sequenceFlow")]
    # The task moved to another lane (another group works on it): it changed; the lanes did not,
    # nor did the start event (its outgoing list follows the flows), nor the script (blanks only).
    assert [e.id for e in changes.changed] == ["b"]
    assert all(e.process == "p" and e.file == "x.bpmn" for e in changes.added + changes.changed)


def test_files_are_grouped_and_an_unreadable_diagram_is_named() -> None:
    old = {"a.dmn": b"<definitions/>", "cert/template.html": b"<p>1</p>", "manifest.yaml": b"name: A\n",
           "x.bpmn": b"<broken"}
    new = {"a.dmn": b"<definitions >\n</definitions>", "cert/template.html": b"<p>2</p>",
           "manifest.yaml": b"name: B\n", "b.dmn": b"<definitions/>", "x.bpmn": b"<broken"}
    changes = diff.compare_files(old, new)
    assert changes.files["decisions"] == diff.FileChanges(added=["b.dmn"])
    assert changes.files["templates"] == diff.FileChanges(changed=["cert/template.html"])
    assert changes.files["other"] == diff.FileChanges(changed=["manifest.yaml"])
    assert changes.unreadable == ["x.bpmn"]
    assert diff.main_bpmn({"a.bpmn": _bpmn(""), "b.bpmn": b"<x/>"}, "p") == "a.bpmn"
