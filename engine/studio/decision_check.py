"""Check one decision table of a draft the way the engine will evaluate it, cell by cell.

The studio's DMN editor asks this before the whole draft is checked: the same deploy-time
validation of :mod:`engine.workflow.validation.dmn` (every input entry as the engine builds
its expression, every output entry compiled in the sandbox, one decision per file), then
SpiffWorkflow's own DMN parser over the result, so what passes here parses at deploy. Each
problem of a cell carries its ``row`` and ``column`` (the inputs, then the outputs, from 1),
which is where the editor pins it.

One thing the deploy check cannot know per file is added here as a warning: a cell that reads
a name nothing in the draft defines (no form field, no decision output, nothing the BPMN
names). ``comercio`` written without quotes is the usual case: the engine looks for a variable
«comercio» and the case fails when it reaches the table.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator, Mapping
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring
from lxml import etree
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.sandbox import Limits
from engine.sandbox.running import Run
from engine.workflow.spiff import Parser
from engine.workflow.validation import bpmn as validation_bpmn
from engine.workflow.validation import dmn as validation_dmn
from engine.workflow.validation.report import Problem, Report
from engine.workflow.validation.sample_data import sample_case_data

_LONGEST_CODE = 20_000
_INPUT_VALUE = "dmninputexpr"  # the name the engine gives "?" (validation.dmn)

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
        _unknown_names(file, root, _known_names(file, files), report)
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


def _known_names(file: str, files: Mapping[str, bytes]) -> set[str]:
    """What a cell may read: form fields, every identifier the BPMN files name (result
    variables, script assignments, data objects), every decision's outputs, the sandbox's names."""
    known = set(sample_case_data(files)) | set(dir(builtins)) | set(Run(Limits()).namespace())
    for name, content in files.items():
        if name.endswith(".bpmn"):
            tree = validation_bpmn.read_tree(content)
            known |= _code_names(tree) if tree is not None else set()
        elif name.endswith(".dmn") and name != file:
            tree = validation_bpmn.read_tree(content)
            known |= _output_names(tree) if tree is not None else set()
    return known


def _code_names(root: Any) -> set[str]:
    """Every name the code of a BPMN file reads or assigns: any text or attribute that is Python
    (scripts, conditions, parameters, result variables) counts; prose does not parse."""
    found: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for value in [element.text or "", *element.attrib.values()]:
            value = value.strip()
            if value and len(value) < _LONGEST_CODE:
                found |= set(_names(value, "exec"))
    return found


def _output_names(root: Any) -> set[str]:
    return {str(output.get("name")) for _, table in _cells(root) for output in _children(table, "output")
            if output.get("name")}


def _unknown_names(file: str, root: Any, known: set[str], report: Report) -> None:
    known = known | _output_names(root)
    for decision, table in _cells(root):
        inputs = [_text(_first(item, "inputExpression")) or "" for item in _children(table, "input")]
        labels = [_label(item) for item in [*_children(table, "input"), *_children(table, "output")]]
        for row, rule in enumerate(_children(table, "rule"), start=1):
            entries = [*_children(rule, "inputEntry"), *_children(rule, "outputEntry")]
            for column, entry in enumerate(entries, start=1):
                cell = (_text(entry) or "").strip()
                if not cell or cell == "-":
                    continue
                source = cell.replace("?", _INPUT_VALUE) if column <= len(inputs) else cell
                label = labels[column - 1] if column <= len(labels) else str(column)
                for name in sorted(set(_names(source)) - known - {_INPUT_VALUE}):
                    report.warn(file, decision, f"Fila {row}, columna «{label}»: la celda «{cell}» usa «{name}», "
                                f"que ningún formulario, tarea ni decisión del borrador define; si es un texto, "
                                f"escríbalo entre comillas: \"{name}\".", entry.sourceline, row, column)


def _names(source: str, mode: str = "eval") -> Iterator[str]:
    for candidate in (source, f"v {source}"):  # "> 100" is read after the input's value
        try:
            tree = ast.parse(candidate, mode=mode)
        except (SyntaxError, ValueError):
            continue
        yield from (node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id != "v")
        return


def _label(element: Any) -> str:
    return str(element.get("label") or element.get("name") or element.get("id") or "")


def _text(element: Any) -> str | None:
    found = _first(element, "text") if element is not None else None
    return found.text if found is not None else None


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if isinstance(child.tag, str) and etree.QName(child).localname == name]


def _first(element: Any, name: str) -> Any | None:
    found = _children(element, name)
    return found[0] if found else None
