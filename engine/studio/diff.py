"""What changed between two versions of a procedure: BPMN elements and the bundle's other files.

Pure: it reads the files of two versions and returns plain data. An element of the diagram is
anything with an ``id`` the BPMN model puts directly in a definitions, a process, a
(sub)process, a lane set or a collaboration (tasks, events, gateways, flows, lanes, messages,
participants); its nested parts (event definitions, conditions, extension properties, the
spiff dialect's properties) belong to it. An element "changed" when its semantic XML differs:
the diagram interchange (``bpmndi``: positions and sizes) and whitespace are ignored, and so
are the ``incoming``/``outgoing`` references a node repeats from its flows (each flow is
compared itself). The lane a node sits in is part of the node (it decides who works on it),
not of the lane.

Files other than BPMN are grouped for people (forms, decisions, templates, other) and compared
by meaning where the format allows it: JSON parsed, DMN without its diagram interchange.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from engine.models import Deployment

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: Namespaces of diagram interchange (BPMN's and DMN's): layout, never meaning.
LAYOUT = frozenset({
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DI/",
    "http://www.omg.org/spec/DMN/20180521/DC/",
})
#: BPMN elements whose children with an id are elements of their own in the diff.
_CONTAINERS = frozenset({"definitions", "process", "subProcess", "transaction", "adHocSubProcess", "laneSet",
                         "lane", "collaboration"})
#: References a node repeats from its flows, and a lane's list of its nodes (kept on the nodes).
_DERIVED = frozenset({"incoming", "outgoing", "flowNodeRef"})
GROUPS = ("forms", "decisions", "templates", "other")
TEMPLATE_ENTRY = "template.html"


@dataclass(frozen=True)
class ElementInfo:
    """One element of a version's diagram."""

    id: str
    kind: str  # the BPMN tag without namespace: userTask, sequenceFlow, lane…
    name: str
    file: str
    process: str  # the id of the process (or collaboration) that holds it, "" at the top

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind, "name": self.name, "file": self.file, "process": self.process}


@dataclass(frozen=True)
class FileChanges:
    """Names of files added, removed and changed in one group."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class VersionDiff:
    """Elements and files that differ from the old version to the new one.

    ``added`` and ``changed`` carry the element as in the new version, ``removed`` as in the old one.
    """

    added: list[ElementInfo]
    removed: list[ElementInfo]
    changed: list[ElementInfo]
    files: dict[str, FileChanges]
    unreadable: list[str] = field(default_factory=list)  # BPMN files that did not parse (never deployed so)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or any(self.files.values()))


def compare(old: Deployment, new: Deployment) -> VersionDiff:
    """The differences from one deployed version to another."""
    return compare_files(_files(old), _files(new))


def compare_files(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> VersionDiff:
    """The differences between two bundles given as name → bytes."""
    unreadable: list[str] = []
    before = _elements_of(old, unreadable)
    after = _elements_of(new, unreadable)
    added = [after[k][0] for k in after if k not in before]
    removed = [before[k][0] for k in before if k not in after]
    changed = [after[k][0] for k in after if k in before and after[k][1] != before[k][1]]
    return VersionDiff(added=_sorted(added), removed=_sorted(removed), changed=_sorted(changed),
                       files=_file_changes(old, new), unreadable=sorted(set(unreadable)))


def main_bpmn(files: Mapping[str, bytes], key: str) -> str | None:
    """The BPMN file that holds the process ``key`` (else the first BPMN file), or None."""
    names = sorted(n for n in files if n.endswith(".bpmn"))
    for name in names:
        root = _parse(files[name])
        if root is not None and any(p.get("id") == key for p in root.iter(f"{{{BPMN}}}process")):
            return name
    return names[0] if names else None


def group_of(name: str, names: frozenset[str] | set[str]) -> str:
    """Where a file is listed for people: forms, decisions, templates or other."""
    if name.endswith((".schema.json", ".uischema.json")):
        return "forms"
    if name.endswith(".dmn"):
        return "decisions"
    folder = name.rpartition("/")[0]
    if folder and f"{folder}/{TEMPLATE_ENTRY}" in names:
        return "templates"
    return "other"


# -- elements ---------------------------------------------------------------------------------------


def _files(deployment: Deployment) -> dict[str, bytes]:
    return {f.name: f.content for f in deployment.files}


def _parse(content: bytes) -> Element | None:
    try:
        root: Element = safe_fromstring(content)
    except (ParseError, DefusedXmlException, ValueError):
        return None
    return root


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _elements_of(files: Mapping[str, bytes], unreadable: list[str]) -> dict[tuple[str, str], tuple[ElementInfo, str]]:
    """(file, id) → (the element, its fingerprint) for every BPMN file of a bundle."""
    found: dict[tuple[str, str], tuple[ElementInfo, str]] = {}
    for name in sorted(n for n in files if n.endswith(".bpmn")):
        root = _parse(files[name])
        if root is None:
            unreadable.append(name)
            continue
        lanes = _lanes_of(root)
        for element, holder in _items(root, ""):
            ident = element.get("id", "")
            extra = f"lane={','.join(sorted(lanes.get(ident, ())))}" if ident in lanes else ""
            info = ElementInfo(id=ident, kind=_local(element.tag), name=(element.get("name") or "").strip(),
                               file=name, process=holder)
            found[(name, ident)] = (info, _fingerprint(element) + extra)
    return found


def _items(parent: Element, holder: str) -> Iterator[tuple[Element, str]]:
    """The elements of the diff under ``parent``, each with the id of the process that holds it."""
    for child in parent:
        if not isinstance(child.tag, str) or _namespace(child.tag) != BPMN:
            continue
        kind = _local(child.tag)
        if child.get("id"):
            yield child, holder
        if kind in _CONTAINERS:
            inner = child.get("id", holder) if kind in ("process", "collaboration") else holder
            yield from _items(child, inner)


def _is_item(element: Element) -> bool:
    return bool(element.get("id")) and _namespace(element.tag) == BPMN


def _lanes_of(root: Element) -> dict[str, set[str]]:
    """Node id → the names (or ids) of the lanes that list it."""
    lanes: dict[str, set[str]] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        label = (lane.get("name") or lane.get("id") or "").strip()
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            lanes.setdefault((ref.text or "").strip(), set()).add(label)
    return lanes


def _fingerprint(element: Element) -> str:
    """The element's meaning as a string: its tag, attributes and parts, without layout or blanks.

    Children that are elements of the diff themselves are left out (they are compared on their own).
    """
    return json.dumps(_canonical(element, top=True), sort_keys=True, ensure_ascii=False)


def _canonical(element: Element, top: bool) -> Any:
    attributes = {k: " ".join(v.split()) for k, v in element.attrib.items() if top or k != "id"}
    parts = []
    container = _local(element.tag) in _CONTAINERS
    for child in element:
        if not isinstance(child.tag, str) or _namespace(child.tag) in LAYOUT:
            continue
        if _namespace(child.tag) == BPMN and _local(child.tag) in _DERIVED:
            continue
        if container and _is_item(child) and top:
            continue
        parts.append(_canonical(child, top=False))
    text = " ".join((element.text or "").split())
    return [element.tag, attributes, text, parts]


def _sorted(elements: list[ElementInfo]) -> list[ElementInfo]:
    return sorted(elements, key=lambda e: (e.file, e.process, e.kind, e.name.casefold(), e.id))


# -- files ------------------------------------------------------------------------------------------


def _file_changes(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> dict[str, FileChanges]:
    names = frozenset(old) | frozenset(new)
    groups: dict[str, FileChanges] = {g: FileChanges() for g in GROUPS}
    for name in sorted(names):
        if name.endswith(".bpmn"):
            continue  # its elements are the diagram's diff
        group = groups[group_of(name, names)]
        if name not in old:
            group.added.append(name)
        elif name not in new:
            group.removed.append(name)
        elif not _same_file(name, old[name], new[name]):
            group.changed.append(name)
    return groups


def _same_file(name: str, a: bytes, b: bytes) -> bool:
    if a == b:
        return True
    if name.endswith(".json"):
        try:
            return bool(json.loads(a) == json.loads(b))
        except ValueError:
            return False
    if name.endswith((".dmn", ".xml")):
        first, second = _parse(a), _parse(b)
        if first is None or second is None:
            return False
        return _whole(first) == _whole(second)
    return False


def _whole(element: Element) -> Any:
    """A whole XML document's meaning (every part, ids included), without layout or blanks."""
    parts = [_whole(c) for c in element if isinstance(c.tag, str) and _namespace(c.tag) not in LAYOUT]
    return [element.tag, {k: " ".join(v.split()) for k, v in element.attrib.items()},
            " ".join((element.text or "").split()), parts]
