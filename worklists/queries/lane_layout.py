"""The generated drawing of a BPMN file without coordinates, with its pool and lanes.

``worklists.queries.layout`` draws the process alone (its columns by distance from the start).
The case view and the modeller show the lanes too, since a lane names the group a task goes
to: when the process is a participant of a collaboration and has one level of lanes,
this keeps the columns, stacks one horizontal band per lane, puts each node in its lane's band,
and draws the pool, the lanes, the nodes and the flows on the collaboration's plane. Anything
else (no collaboration, no lanes, nested lanes) keeps the plain drawing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree.ElementTree import Element  # noqa: S405  # types only; parsing goes through defusedxml
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from worklists.queries.layout import COLUMN, MARGIN, ROW, has_layout, with_layout

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
POOL_HEADER, LANE_HEADER, PAD = 30, 30, 20
Box = tuple[int, int, int, int]


def with_lanes(xml: str, process_id: str) -> str:
    """The XML with a generated drawing (pool and lanes when it has them) when it has none."""
    if has_layout(xml):
        return xml
    plain = with_layout(xml, process_id)
    try:
        root = fromstring(xml.encode("utf-8"))
        drawn = fromstring(plain.encode("utf-8"))
    except (ParseError, DefusedXmlException):
        return plain
    process = next((p for p in root.iter(f"{BPMN}process") if p.get("id") == process_id), None)
    collaboration, participant = _participant_of(root, process_id)
    lanes = _lanes(process) if process is not None else []
    if process is None or collaboration is None or participant is None or not lanes:
        return plain
    boxes = {shape.get("bpmnElement", ""): _bounds(shape) for shape in drawn.iter(f"{BPMNDI}BPMNShape")}
    diagram = _diagram(process, collaboration.get("id", ""), participant.get("id", ""), lanes, boxes)
    closing = re.search(r"</([\w.-]+:)?definitions>\s*$", xml)
    return plain if closing is None else xml[:closing.start()] + diagram + xml[closing.start():]


def _participant_of(root: Element, process_id: str) -> tuple[Element | None, Element | None]:
    for collaboration in root.iter(f"{BPMN}collaboration"):
        for participant in collaboration.iter(f"{BPMN}participant"):
            if participant.get("processRef") == process_id:
                return collaboration, participant
    return None, None


def _lanes(process: Element) -> list[tuple[str, list[str]]]:
    """The process's lanes with their nodes; none when there are several lane sets or nested lanes."""
    sets = process.findall(f"{BPMN}laneSet")
    if len(sets) != 1 or sets[0].find(f".//{BPMN}childLaneSet") is not None:
        return []
    return [(lane.get("id", ""), [(ref.text or "").strip() for ref in lane.findall(f"{BPMN}flowNodeRef")])
            for lane in sets[0].findall(f"{BPMN}lane") if lane.get("id")]


def _bounds(shape: Element) -> Box:
    found = shape.find(f"{DC}Bounds")
    if found is None:
        return 0, 0, 0, 0
    return (int(float(found.get("x", 0))), int(float(found.get("y", 0))),
            int(float(found.get("width", 0))), int(float(found.get("height", 0))))


def _diagram(process: Element, collaboration_id: str, participant_id: str, lanes: list[tuple[str, list[str]]],
             boxes: dict[str, Box]) -> str:
    lane_of = {node: index for index, (_id, nodes) in enumerate(lanes) for node in nodes}
    attached = {e.get("id", ""): e.get("attachedToRef", "") for e in process if e.tag == f"{BPMN}boundaryEvent"}
    bands = len(lanes) + (1 if any(n not in lane_of for n in boxes if n not in attached) else 0)
    rows: dict[tuple[int, int], int] = defaultdict(int)
    placed: dict[str, tuple[int, int, int]] = {}  # node -> (band, column, row)
    for node, (x, _y, w, _h) in sorted(boxes.items(), key=lambda item: (item[1][1], item[1][0])):
        if node in attached:
            continue
        band, column = lane_of.get(node, len(lanes)), x + w // 2  # a column's nodes share their centre
        placed[node] = (band, column, rows[(band, column)])
        rows[(band, column)] += 1
    heights = [max([count for (bb, _c), count in rows.items() if bb == b] or [1]) * ROW + 2 * PAD for b in range(bands)]
    tops = [MARGIN + sum(heights[:b]) for b in range(bands)]
    shift = POOL_HEADER + LANE_HEADER
    new: dict[str, Box] = {}
    for node, (band, _column, row) in placed.items():
        x, _y, width, height = boxes[node]
        new[node] = (x + shift, tops[band] + PAD + row * ROW + (80 - height) // 2, width, height)
    for node, host in attached.items():
        if node in boxes and host in new:
            hx, hy, hw, hh = new[host]
            new[node] = (hx + hw - 46, hy + hh - 18, boxes[node][2], boxes[node][3])
    right = max((x + w for x, _y, w, _h in new.values()), default=MARGIN + COLUMN) + 2 * PAD
    width, height = right - MARGIN, sum(heights)
    parts = ['<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
             'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
             f'id="DiagramaGenerado"><bpmndi:BPMNPlane id="PlanoGenerado" bpmnElement={quoteattr(collaboration_id)}>',
             _shape(participant_id, (MARGIN, MARGIN, width, height), horizontal=True)]
    for index, (lane_id, _nodes) in enumerate(lanes):
        box = (MARGIN + POOL_HEADER, tops[index], width - POOL_HEADER, heights[index])
        parts.append(_shape(lane_id, box, horizontal=True))
    parts.extend(_shape(node, box) for node, box in new.items())
    for flow in process.iter(f"{BPMN}sequenceFlow"):
        source, target = new.get(flow.get("sourceRef", "")), new.get(flow.get("targetRef", ""))
        if source is not None and target is not None and flow.get("id"):
            points = "".join(f'<di:waypoint x="{x}" y="{y}"/>' for x, y in _waypoints(source, target))
            parts.append(f'<bpmndi:BPMNEdge id={quoteattr(flow.get("id", "") + "_di")} '
                         f'bpmnElement={quoteattr(flow.get("id", ""))}>{points}</bpmndi:BPMNEdge>')
    parts.append("</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>")
    return "".join(parts)


def _shape(element_id: str, box: Box, horizontal: bool = False) -> str:
    x, y, width, height = box
    flag = ' isHorizontal="true"' if horizontal else ""
    return (f'<bpmndi:BPMNShape id={quoteattr(element_id + "_di")} bpmnElement={quoteattr(element_id)}{flag}>'
            f'<dc:Bounds x="{x}" y="{y}" width="{width}" height="{height}"/></bpmndi:BPMNShape>')


def _waypoints(source: Box, target: Box) -> list[tuple[int, int]]:
    sx, sy, sw, sh = source
    tx, ty, tw, th = target
    if tx > sx:
        start, end = (sx + sw, sy + sh // 2), (tx, ty + th // 2)
        if start[1] == end[1]:
            return [start, end]
        middle = (start[0] + end[0]) // 2
        return [start, (middle, start[1]), (middle, end[1]), end]
    low = max(sy + sh, ty + th) + 30  # a loop back: under both, up into the target
    start, end = (sx + sw // 2, sy + sh), (tx + tw // 2, ty + th)
    return [start, (start[0], low), (end[0], low), end]
