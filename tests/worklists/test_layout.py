"""The generated layout: every node and flow of a procedure gets coordinates; drawn files stay as drawn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from worklists.queries.lane_layout import with_lanes
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


LANED = [p for p in FILES if "<bpmn:laneSet" in p.read_text(encoding="utf-8")
         and "<bpmn:collaboration" in p.read_text(encoding="utf-8")]


def _box(shape) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    bounds = shape.find("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
    return tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


@pytest.mark.parametrize("path", LANED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_generated_drawing_has_a_band_per_lane_with_its_nodes_inside(path: Path) -> None:
    """The case view's drawing of a procedure with lanes: the pool, one shape per lane, each node in its band."""
    xml = path.read_text(encoding="utf-8")
    root = fromstring(xml.encode())
    process = next(root.iter(f"{BPMN}process"))
    laid = fromstring(with_lanes(xml, process.get("id")).encode())
    shapes = {s.get("bpmnElement"): _box(s) for s in laid.iter(f"{DI}BPMNShape")}
    participant = next(p.get("id") for p in root.iter(f"{BPMN}participant") if p.get("processRef") == process.get("id"))
    lanes = list(process.iter(f"{BPMN}lane"))
    assert participant in shapes and lanes
    for lane in lanes:
        assert lane.get("id") in shapes, lane.get("id")
        lx, ly, lw, lh = shapes[lane.get("id")]
        for ref in lane.findall(f"{BPMN}flowNodeRef"):
            x, y, w, h = shapes[ref.text.strip()]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, (lane.get("id"), ref.text)
