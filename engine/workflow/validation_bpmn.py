"""Check a BPMN file's structure and references before SpiffWorkflow builds its specs.

The library stops at the first structural fault with an English message ("two items with the
same ID", "Could not find messageRef …") and then nothing else of the file is checked. Here
every such fault is reported in Spanish with its element and line, and the file handed to
the library is *repaired* (the faulty flow removed, the duplicate renamed, the dangling call
turned into a manual task) so the library can still build the rest and the other checks
(forms, operations, scripts) still run. A repaired file is never deployed: it has problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.workflow.tasks import APPLICANT_LANES, slug, task_group
from engine.workflow.validation_report import Report
from engine.workflow.validation_timers import timer_problems

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
_STAFF_TASKS = ("userTask", "manualTask")
_TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")


@dataclass(frozen=True)
class BundleNames:
    """The ids other files may refer to: processes (call activities) and DMN decisions."""

    processes: frozenset[str]
    decisions: frozenset[str]


def read_tree(content: bytes) -> Any | None:
    """The lxml tree (with source lines) of a file defusedxml already accepted; ``None`` if unreadable."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError:
        return None


def bundle_names(bpmn_roots: Iterable[Any], dmn_roots: Iterable[Any]) -> BundleNames:
    processes = {p.get("id") for root in bpmn_roots for p in root.iter(f"{{{BPMN}}}process")}
    decisions = {d.get("id") for root in dmn_roots for d in root.iter() if _local(d) == "decision"}
    return BundleNames(frozenset(p for p in processes if p), frozenset(d for d in decisions if d))


def record_lines(file: str, root: Any, report: Report) -> None:
    """Remember the line of every element id of the file, for problems found later on specs."""
    for element in root.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if element_id and (file, element_id) not in report.lines:
            report.lines[(file, element_id)] = element.sourceline


def precheck(file: str, root: Any, names: BundleNames, report: Report) -> bool:
    """Report every structural fault of a BPMN file; repair ``root`` in place; tell whether it changed."""
    changed = False
    for check in (_duplicate_ids, _dangling_flows, _decisions, _called_elements, _messages):
        changed = check(file, root, names, report) or changed
    _timers(file, root, report)
    return changed


def _duplicate_ids(file: str, root: Any, names: BundleNames, report: Report) -> bool:
    first: dict[str, int] = {}
    changed = False
    for element in list(root.iter(f"{{{BPMN}}}*")):
        element_id = element.get("id")
        # tools often give the definitions the process's id; nothing refers to the definitions by it
        if not element_id or element is root:
            continue
        if element_id not in first:
            first[element_id] = element.sourceline
            continue
        report.add(file, element_id, f"El id «{element_id}» está repetido (ya lo usa el elemento de la línea "
                   f"{first[element_id]}): cada elemento necesita un id propio.", element.sourceline)
        if _local(element) == "sequenceFlow":  # a second flow would add an outgoing path the model never meant
            element.getparent().remove(element)
        else:
            element.set("id", f"{element_id}__repetido_{element.sourceline}")
        changed = True
    return changed


def _dangling_flows(file: str, root: Any, names: BundleNames, report: Report) -> bool:
    changed = False
    for container in _containers(root):
        nodes = {child.get("id") for child in container if isinstance(child.tag, str) and child.get("id")}
        for flow in container.findall("bpmn:sequenceFlow", NS):
            missing = [(end, flow.get(attr)) for attr, end in (("sourceRef", "sale de"), ("targetRef", "llega a"))
                       if flow.get(attr) not in nodes]
            for end, ref in missing:
                detail = f"«{ref}», que no existe en el proceso" if ref else "ningún elemento (falta la referencia)"
                hint = _suggest(ref, nodes) if ref else ""
                report.add(file, flow.get("id") or "", f"El flujo {end} {detail}.{hint}", flow.sourceline)
            if missing:
                container.remove(flow)
                changed = True
    return changed


def _decisions(file: str, root: Any, names: BundleNames, report: Report) -> bool:
    changed = False
    for task in root.iter(f"{{{BPMN}}}businessRuleTask"):
        called = task.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
        decision = (called.text or "").strip() if called is not None else (task.get(f"{{{CAMUNDA}}}decisionRef") or "")
        if decision in names.decisions:
            continue
        known = ", ".join(sorted(names.decisions)) or "ninguna"
        message = (f"La tarea evalúa la decisión «{decision}», que ningún archivo .dmn del paquete define "
                   f"(decisiones: {known}).{_suggest(decision, names.decisions)}" if decision else
                   "La tarea de regla de negocio no dice qué decisión evalúa (spiffworkflow:calledDecisionId).")
        report.add(file, task.get("id") or "", message, (called if called is not None else task).sourceline)
        _as_manual_task(task)
        changed = True
    return changed


def _called_elements(file: str, root: Any, names: BundleNames, report: Report) -> bool:
    changed = False
    for call in root.iter(f"{{{BPMN}}}callActivity"):
        called = call.get("calledElement") or ""
        if called in names.processes:
            continue
        known = ", ".join(sorted(names.processes)) or "ninguno"
        report.add(file, call.get("id") or "", f"La actividad llama al proceso «{called}», que no está en el paquete "
                   f"(procesos: {known}).{_suggest(called, names.processes)}", call.sourceline)
        _as_manual_task(call)
        changed = True
    return changed


def _messages(file: str, root: Any, names: BundleNames, report: Report) -> bool:
    declared = {m.get("id") for m in root.iter(f"{{{BPMN}}}message") if m.get("id")}
    changed = False
    for element in root.iter(f"{{{BPMN}}}*"):
        ref = element.get("messageRef")
        if ref is None or ref in declared or _local(element) == "correlationPropertyRetrievalExpression":
            continue
        owner = _owner(element)
        report.add(file, owner.get("id") or "", f"El mensaje «{ref}» no está declarado en el archivo "
                   f"(bpmn:message).{_suggest(ref, declared)}", element.sourceline)
        # declare it in the copy handed to the library, so the element's other problems still show
        root.insert(0, etree.Element(f"{{{BPMN}}}message", id=ref, name=ref))
        declared.add(ref)
        changed = True
    return changed


def _timers(file: str, root: Any, report: Report) -> None:
    for definition in root.iter(f"{{{BPMN}}}timerEventDefinition"):
        owner = _owner(definition)
        for expression in definition:
            if not isinstance(expression.tag, str) or _local(expression) not in _TIMER_KINDS:
                continue
            for message in timer_problems(_local(expression), expression.text):
                report.add(file, owner.get("id") or "", f"Temporizador: {message}", expression.sourceline)


def staff_groups(root: Any) -> Iterator[tuple[str, str, str, int]]:
    """``(group, lane name, task id, line)`` of every staff task that names a group by its lane or property."""
    for container in root.iter(f"{{{BPMN}}}process"):
        lanes = {ref.text.strip(): lane.get("name") or "" for lane in container.iter(f"{{{BPMN}}}lane")
                 for ref in lane.findall("bpmn:flowNodeRef", NS) if ref.text}
        for kind in _STAFF_TASKS:
            for task in container.iter(f"{{{BPMN}}}{kind}"):
                properties = _properties(task)
                lane = lanes.get(task.get("id") or "")
                applicant = str(properties.get("forApplicant", "")).lower() == "true"
                if applicant or (lane and slug(lane) in APPLICANT_LANES):
                    continue
                group = task_group(properties, lane)
                if group:
                    yield group, lane or "", task.get("id") or "", task.sourceline


def suggestion(name: str, known: Iterable[str]) -> str:
    """`` ¿Quiso decir «x»?`` with the closest known names, or empty text."""
    return _suggest(name, known)


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=2, cutoff=0.6)
    return (" ¿Quiso decir " + " o ".join(f"«{c}»" for c in close) + "?") if close else ""


def _properties(task: Any) -> dict[str, str]:
    found = task.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    return {p.get("name"): p.get("value") for p in found if p.get("name")}


def _containers(root: Any) -> Iterator[Any]:
    for kind in _CONTAINERS:
        yield from root.iter(f"{{{BPMN}}}{kind}")


def _owner(element: Any) -> Any:
    """The nearest element with an id: the event that holds a definition, the task that sends a message."""
    current = element.getparent() if _local(element).endswith("EventDefinition") else element
    while current is not None and not current.get("id"):
        current = current.getparent()
    return current if current is not None else element


def _as_manual_task(element: Any) -> None:
    """Turn a call the library cannot resolve into a manual task in the copy it parses."""
    element.tag = f"{{{BPMN}}}manualTask"
    for attr in ("calledElement", f"{{{CAMUNDA}}}decisionRef"):
        element.attrib.pop(attr, None)
    for called in element.findall("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS):
        called.getparent().remove(called)


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""
