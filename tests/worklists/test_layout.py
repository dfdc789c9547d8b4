"""The generated layout: every node and flow of a procedure gets coordinates; drawn files stay as drawn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from worklists.queries.layout import with_layout

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*ROOT.glob("processes/*/*.bpmn"), *ROOT.glob("tests/data/bundles/*/*.bpmn"),
                *ROOT.glob("tests/data/worklists/*/*.bpmn")])
FILES = [p for p in FILES if not p.parent.name.startswith("val_")]  # bundles that must fail validation
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_node_and_flow_of_the_process_gets_coordinates(path: Path) -> None:
    xml = path.read_text(encoding="utf-8")
    root = fromstring(xml.encode())
    for process in root.iter(f"{BPMN}process"):
        laid = fromstring(with_layout(xml, process.get("id")).encode())
        shapes = {s.get("bpmnElement") for s in laid.iter(f"{DI}BPMNShape")}
        edges = {e.get("bpmnElement") for e in laid.iter(f"{DI}BPMNEdge")}
        flows = {f.get("id") for f in process.findall(f"{BPMN}sequenceFlow")}
        nodes = {c.get("id") for c in process if c.tag.endswith(("Task", "Event", "Gateway", "SubProcess",
                                                                 "subProcess", "callActivity", "task"))}
        assert nodes <= shapes and flows <= edges
        bounds = re.findall(r'<dc:Bounds x="(-?\d+)" y="(-?\d+)"', with_layout(xml, process.get("id")))
        assert all(int(x) >= 0 and int(y) >= 0 for x, y in bounds)
        break  # the first process is the one a case of the bundle runs (others are called)


def test_a_file_with_coordinates_is_left_as_drawn() -> None:
    xml = (ROOT / "tests/data/worklists/revision_mesa/revision_mesa.bpmn").read_text(encoding="utf-8")
    laid = with_layout(xml, "revision_mesa")
    assert laid != xml and with_layout(laid, "revision_mesa") == laid
    assert with_layout(xml, "otro_proceso") == xml
    assert with_layout("<bpmn:definitions", "x") == "<bpmn:definitions"
