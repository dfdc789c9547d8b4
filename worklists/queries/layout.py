"""A left-to-right layout for BPMN files drawn without diagram coordinates (BPMNDI).

Procedures written by hand or generated (every bundle of ``processes/``) have no BPMNDI,
and a viewer draws nothing without it. This adds a plain layout for the case view: nodes in
columns by their distance from the start (loops do not push nodes right), one row per node
of a column, flows as straight or right-angled lines. A file that has coordinates is left
exactly as the analyst drew it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from xml.etree.ElementTree import Element  # noqa: S405  # types only; parsing goes through defusedxml
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
NOT_NODES = {"sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation",
             "association", "extensionElements", "documentation", "ioSpecification", "property"}
SIZES = {"event": (36, 36), "gateway": (50, 50), "activity": (100, 80)}
COLUMN, ROW, MARGIN = 170, 120, 40


@dataclass
class _Node:
    id: str
    kind: str
    attached_to: str | None = None
    x: int = 0
    y: int = 0

    @property
    def size(self) -> tuple[int, int]:
        return SIZES[self.kind]


def has_layout(xml: str) -> bool:
    return "BPMNShape" in xml


def with_layout(xml: str, process_id: str) -> str:
    """The XML with a BPMNDI section for ``process_id`` added when it has none."""
    if has_layout(xml):
        return xml
    try:
        root = fromstring(xml.encode("utf-8"))
    except (ParseError, DefusedXmlException):
        return xml  # a deployed file always parses; anything else is shown as it is
    process = next((p for p in root.iter(f"{BPMN}process") if p.get("id") == process_id), None)
    if process is None:
        return xml
    nodes, flows = _graph(process)
    _place(nodes, flows)
    diagram = _diagram(process_id, nodes, flows)
    closing = re.search(r"</([\w.-]+:)?definitions>\s*$", xml)
    if closing is None:
        return xml
    return xml[:closing.start()] + diagram + xml[closing.start():]


def _kind(tag: str) -> str:
    if tag.endswith("Event"):
        return "event"
    return "gateway" if tag.endswith("Gateway") else "activity"


def _graph(process: Element) -> tuple[dict[str, _Node], list[tuple[str, str, str]]]:
    nodes: dict[str, _Node] = {}
    flows = []
    for child in process:
        if not isinstance(child.tag, str) or not child.tag.startswith(BPMN) or not child.get("id"):
            continue
        tag = child.tag.removeprefix(BPMN)
        if tag == "sequenceFlow":
            flows.append((child.get("id", ""), child.get("sourceRef", ""), child.get("targetRef", "")))
        elif tag not in NOT_NODES:
            nodes[child.get("id", "")] = _Node(child.get("id", ""), _kind(tag), child.get("attachedToRef"))
    flows = [f for f in flows if f[1] in nodes and f[2] in nodes]
    return nodes, flows


def _columns(nodes: dict[str, _Node], flows: list[tuple[str, str, str]]) -> dict[str, int]:
    """Column of each node: its distance from the sources along flows that are not loops.

    A boundary event shares its host's column and leads on like a flow out of the host.
    """
    after: dict[str, list[str]] = defaultdict(list)
    for _id, source, target in flows:
        after[source].append(target)
    for node_id, node in nodes.items():
        if node.attached_to is not None:
            after[node.attached_to].insert(0, node_id)
    targets = {t for _i, _s, t in flows}
    starts = [n for n, node in nodes.items() if n not in targets and node.attached_to is None] or list(nodes)[:1]
    column = dict.fromkeys(starts, 0)
    order = list(starts)
    while order:  # breadth first: the first (shortest) way to a node fixes its column
        current = order.pop(0)
        for target in after[current]:
            if target not in column:
                column[target] = column[current] + (0 if nodes[target].attached_to == current else 1)
                order.append(target)
    next_free = max(column.values(), default=-1) + 1
    for node_id in nodes:
        if node_id not in column:
            column[node_id], next_free = next_free, next_free + 1
    return column


def _place(nodes: dict[str, _Node], flows: list[tuple[str, str, str]]) -> None:
    column = _columns(nodes, flows)
    rows: dict[int, int] = defaultdict(int)
    for node_id, node in nodes.items():
        if node.attached_to is not None:
            continue
        width, height = node.size
        col = column[node_id]
        node.x = MARGIN + col * COLUMN + (100 - width) // 2
        node.y = MARGIN + rows[col] * ROW + (80 - height) // 2
        rows[col] += 1
    for node in nodes.values():
        host = nodes.get(node.attached_to or "")
        if host is not None:  # on the host's lower edge
            node.x, node.y = host.x + host.size[0] - 46, host.y + host.size[1] - 18


def _waypoints(source: _Node, target: _Node) -> list[tuple[int, int]]:
    sw, sh = source.size
    tw, th = target.size
    if target.x > source.x:
        start, end = (source.x + sw, source.y + sh // 2), (target.x, target.y + th // 2)
        if start[1] == end[1]:
            return [start, end]
        middle = (start[0] + end[0]) // 2
        return [start, (middle, start[1]), (middle, end[1]), end]
    # A loop back: leave below the source, run under both, come up into the target.
    low = max(source.y + sh, target.y + th) + 30
    start, end = (source.x + sw // 2, source.y + sh), (target.x + tw // 2, target.y + th)
    return [start, (start[0], low), (end[0], low), end]


def _diagram(process_id: str, nodes: dict[str, _Node], flows: list[tuple[str, str, str]]) -> str:
    parts = ['<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
             'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
             f'id="DiagramaGenerado"><bpmndi:BPMNPlane id="PlanoGenerado" bpmnElement={quoteattr(process_id)}>']
    for node in nodes.values():
        width, height = node.size
        parts.append(f'<bpmndi:BPMNShape id={quoteattr(node.id + "_di")} bpmnElement={quoteattr(node.id)}>'
                     f'<dc:Bounds x="{node.x}" y="{node.y}" width="{width}" height="{height}"/></bpmndi:BPMNShape>')
    for flow_id, source, target in flows:
        points = "".join(f'<di:waypoint x="{x}" y="{y}"/>' for x, y in _waypoints(nodes[source], nodes[target]))
        parts.append(f'<bpmndi:BPMNEdge id={quoteattr(flow_id + "_di")} bpmnElement={quoteattr(flow_id)}>'
                     f"{points}</bpmndi:BPMNEdge>")
    parts.append("</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>")
    return "".join(parts)
