"""Check one decision table of a draft the way the engine will evaluate it, cell by cell.

The studio's DMN editor asks this before the whole draft is checked: the same deploy-time
validation of :mod:`engine.workflow.validation.dmn` (every input entry as the engine builds
its expression, every output entry compiled in the sandbox, one decision per file), then
SpiffWorkflow's own DMN parser over the result, so what passes here parses at deploy. Each
problem of a cell carries its ``row`` and ``column`` (the inputs, then the outputs, from 1),
which is where the editor pins it.

With the draft's other files it also warns, as deploy does, of a cell that reads a name
nothing in the draft defines (``alto`` written without quotes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring
from lxml import etree
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.workflow.spiff import Parser
from engine.workflow.validation import bpmn as validation_bpmn
from engine.workflow.validation import dmn as validation_dmn
from engine.workflow.validation.report import Problem, Report

STARTING_TABLE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn_{key}" name="{name}"
    namespace="http://tramites.smt.gob.ar/procesos">
  <decision id="{key}" name="{name}">
    <decisionTable id="dt_{key}" hitPolicy="UNIQUE">
      <input id="in_{key}" label="Dato">
        <inputExpression id="ie_{key}" typeRef="string"><text>dato</text></inputExpression>
      </input>
      <output id="out_{key}" label="Resultado" name="resultado_{key}" typeRef="string"/>
      <rule id="r_{key}_1">
        <inputEntry id="r_{key}_1_in"><text>"valor"</text></inputEntry>
        <outputEntry id="r_{key}_1_out"><text>"resultado"</text></outputEntry>
      </rule>
      <rule id="r_{key}_2">
        <inputEntry id="r_{key}_2_in"><text>-</text></inputEntry>
        <outputEntry id="r_{key}_2_out"><text>"otro resultado"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def starting_table(key: str, name: str) -> bytes:
    """A small decision table to start from: one input, one output, two rules.

    :param key: the decision id (a valid XML id: letters, digits, ``_``).
    :param name: the title people read.
    """
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return STARTING_TABLE.format(key=key, name=escaped).encode("utf-8")


def check_decision(file: str, content: bytes, files: Mapping[str, bytes] | None = None,
                   ) -> tuple[list[Problem], list[Problem]]:
    """The problems and warnings of the decision file ``file`` with ``content``.

    :param files: the draft's other files, to know which names a cell may read; without them
        no name is reported as unknown.
    :return: ``(problems, warnings)``; a cell's carry ``row`` and ``column``.
    """
    report = Report()
    try:
        safe_fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as e:
        report.add(file, "", f"XML mal formado o no permitido (sin DTD ni entidades): {e}")
        return report.problems, report.warnings
    root = validation_bpmn.read_tree(content)
    if root is None:
        report.add(file, "", "XML mal formado.")
        return report.problems, report.warnings
    if not _cells(root):
        report.add(file, "", "El archivo no tiene una tabla de decisión (<decision> con <decisionTable>).")
        return report.problems, report.warnings
    validation_dmn.tuple_cells(file, root, report)
    if files is not None:
        validation_dmn.unknown_names(file, root, _known_names(file, files), report)
    validation_dmn.check_dmn(file, root, report)  # blanks the faulty cells, as at deploy
    try:
        Parser().add_dmn_str(etree.tostring(root), filename=file)
    except SpiffWorkflowException as e:
        report.add(file, getattr(e, "id", "") or "", f"SpiffWorkflow no puede leer la decisión: {e}")
    except Exception as e:  # the library raises bare errors on some models
        report.add(file, "", f"SpiffWorkflow no puede leer la decisión: {type(e).__name__}: {e}")
    return report.problems, report.warnings


def _cells(root: Any) -> list[tuple[str, Any]]:
    return [(decision.get("id") or "", table) for decision in _children(root, "decision")
            for table in _children(decision, "decisionTable")]


def _known_names(file: str, files: Mapping[str, bytes]) -> frozenset[str]:
    """What the deploy check knows a cell may read, from the draft's other files."""
    trees = {name: validation_bpmn.read_tree(content) for name, content in files.items()
             if name.endswith((".bpmn", ".dmn")) and name != file}
    return validation_dmn.known_names(files, [t for n, t in trees.items() if t is not None and n.endswith(".bpmn")],
                                      [t for n, t in trees.items() if t is not None and n.endswith(".dmn")])


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if isinstance(child.tag, str) and etree.QName(child).localname == name]
