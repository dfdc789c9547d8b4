"""Compile every cell of a DMN decision table at deploy, the way SpiffWorkflow's DMN engine runs it.

``SpiffWorkflow.dmn.engine.DMNEngine.evaluate`` turns an input entry into one Python
expression per case:

- empty or ``-``: the rule ignores the column;
- a cell with ``?`` (outside quotes) is evaluated as written with ``?`` as the input's value:
  ``200 <= ? <= 1000``;
- a cell that is an expression by itself is compared for equality: ``(superficie) == ("A")``;
- otherwise the cell is appended to the input expression *without a space*: ``> 100`` →
  ``superficie> 100``, but ``in ("a", "b")`` → ``superficiein ("a", "b")``, a call of a name
  that does not exist (refused here: ``? in ("a", "b")`` is the form that works).

FEEL ranges (``between 200 and 1000``, ``[200..1000]``) and ``>= 200 and <= 1000`` fit none of
these and fail only when a case reaches the table; here they are refused with the form the
engine accepts. Output entries are expressions evaluated as written.

A cell or an input expression that reads a name nothing in the bundle defines (no form field, no
name the BPMN's code reads or assigns, no decision output) is a warning (:func:`unknown_names`):
``alto`` written without quotes makes the engine look for a variable «alto», and the case fails
at the table; so does the input expression ``dato`` of a table nobody adapted.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lxml import etree

from engine import sandbox
from engine.sandbox.running import Limits, Run
from engine.workflow.validation.report import Report
from engine.workflow.validation.sample_data import sample_case_data

_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # the engine's own pattern
_BETWEEN = re.compile(r"^\s*between\s+(.+?)\s+and\s+(.+?)\s*$", re.IGNORECASE)
_INTERVAL = re.compile(r"^\s*([\[\](])\s*(.+?)\s*\.\.\s*(.+?)\s*([\[\])])\s*$")
_GLUED = re.compile(r"^\w")
_GLUED_END = re.compile(r"\w$")
_BOTH_ENDS = re.compile(r"^\s*>(=?)\s*(.+?)\s+and\s+<(=?)\s*(.+?)\s*$", re.IGNORECASE)
_RANGE_HINT = "«{a} <= ? <= {b}» (o «? >= {a} and ? <= {b}»)"
_INPUT_VALUE = "dmninputexpr"  # the name the engine gives "?"
_LONGEST_CODE = 20_000


def check_dmn(file: str, root: Any, report: Report) -> bool:
    """Report each cell that cannot run and each decision past the first; blank or drop them; tell if it changed."""
    changed = False
    decisions = _children(root, "decision")
    for decision in decisions:
        for table in _children(decision, "decisionTable"):
            changed = _check_table(file, decision.get("id") or "", table, report) or changed
    for extra in decisions[1:]:
        # SpiffWorkflow reads one decision per file and fails on a second with an English error
        report.add(file, extra.get("id") or "", "Un archivo .dmn lleva una sola decisión: "
                   f"«{extra.get('id')}» está junto a «{decisions[0].get('id')}». Póngala en su propio archivo .dmn.",
                   extra.sourceline)
        extra.getparent().remove(extra)
        changed = True
    return changed


def _check_table(file: str, decision: str, table: Any, report: Report) -> bool:
    inputs = [(_label(i), _text(_first(i, "inputExpression"))) for i in _children(table, "input")]
    outputs = [_label(o) for o in _children(table, "output")]
    for index, (label, expression) in enumerate(inputs, start=1):
        if expression is None:
            report.add(file, decision, f"La entrada «{label or index}» no tiene expresión (el dato que compara).")
            continue
        for message in sandbox.check_compiles(expression, "eval"):
            report.add(file, decision, f"Expresión de la entrada «{label}» «{expression}»: {message}")
    changed = False
    for row, rule in enumerate(_children(table, "rule"), start=1):
        where = f"Fila {row}"
        entries = _children(rule, "inputEntry")
        results = _children(rule, "outputEntry")
        if len(entries) != len(inputs) or len(results) != len(outputs):
            report.add(file, decision, f"{where}: tiene {len(entries)} condiciones y {len(results)} resultados; la "
                       f"tabla tiene {len(inputs)} entradas y {len(outputs)} salidas.", rule.sourceline, row)
            rule.getparent().remove(rule)
            changed = True
            continue
        for column, ((label, expression), entry) in enumerate(zip(inputs, entries, strict=True), start=1):
            for message in input_cell_problems(expression or "None", _text(entry)):
                report.add(file, decision, f"{where}, columna «{label}»: {message}", entry.sourceline, row, column)
                _blank(entry)
                changed = True
        for column, (label, entry) in enumerate(zip(outputs, results, strict=True), start=len(inputs) + 1):
            text = (_text(entry) or "").strip()
            for message in sandbox.check_compiles(text, "eval") if text else []:
                report.add(file, decision, f"{where}, resultado «{label}»: la celda «{text}» no es una expresión "
                           f"válida ({message}). Un texto va entre comillas: \"{text}\".",
                           entry.sourceline, row, column)
                _blank(entry)
                changed = True
    return changed


def input_cell_problems(input_expression: str, cell: str | None) -> list[str]:
    """Why an input entry cannot run against ``input_expression`` (empty when it can)."""
    if cell is None or cell == "-":
        return []
    expression = _engine_expression(input_expression, cell)
    if expression == input_expression + cell and _GLUED.match(cell) and _GLUED_END.search(input_expression):
        # the engine glues the cell to the input without a space: "tipo" + "in (…)" is "tipoin (…)"
        return [f"la celda «{cell}» se pega a la entrada sin espacio («{input_expression}{cell[:12]}…»), un nombre "
                f"que no existe: escriba «? {cell}»."]
    if expression is None:
        return [f"la celda «{cell}» no es una condición que el motor entienda. {_hint(cell)}"]
    errors = sandbox.check_compiles(expression, "eval")
    return [f"la celda «{cell}» no es una condición válida ({errors[0]}). {_hint(cell)}"] if errors else []


def _engine_expression(input_expression: str, cell: str) -> str | None:
    """The expression the engine would evaluate for the cell, or ``None`` when it cannot build one."""
    replaced = _QUESTION.sub("dmninputexpr", cell)
    if "dmninputexpr" in replaced:
        return replaced
    if _parses(cell):
        return f"({input_expression}) == ({cell})"
    if _parses(f"v {cell}"):
        return input_expression + cell
    return None


def _hint(cell: str) -> str:
    between = _BETWEEN.match(cell)
    interval = _INTERVAL.match(cell)
    both = _BOTH_ENDS.match(cell)
    if both:
        return f"Para un rango escriba «{both.group(2)} <{both.group(1)} ? <{both.group(3)} {both.group(4)}»."
    if between:
        return "Para un rango escriba " + _RANGE_HINT.format(a=between.group(1), b=between.group(2)) + "."
    if interval:
        low = "<=" if interval.group(1) == "[" else "<"
        high = "<=" if interval.group(4) == "]" else "<"
        a, b = interval.group(2), interval.group(3)
        return f"Para un rango escriba «{a} {low} ? {high} {b}»."
    return ("Formas válidas: un valor («\"comercio\"», «5»), una comparación («> 100», «<= 5»), "
            "varios valores («? in (\"a\", \"b\")»), un rango con ? como el dato («200 <= ? <= 1000») "
            "o «-» para cualquier valor.")


def tuple_cells(file: str, root: Any, report: Report) -> None:
    """Warn about cells such as ``"a", "b"``: the engine compares with the whole tuple, never matching."""
    for decision in _children(root, "decision"):
        for table in _children(decision, "decisionTable"):
            for row, rule in enumerate(_children(table, "rule"), start=1):
                for column, entry in enumerate(_children(rule, "inputEntry"), start=1):
                    cell = _text(entry)
                    if cell and "?" not in cell and _parses(cell) and isinstance(_body(cell), ast.Tuple):
                        report.warn(file, decision.get("id") or "",
                                    f"Fila {row}: la celda «{cell}» compara el dato con la lista entera y nunca "
                                    f"coincide; para «uno de» escriba «? in ({cell})».", entry.sourceline, row,
                                    column)


def known_names(files: Mapping[str, bytes], bpmn_roots: Iterable[Any], dmn_roots: Iterable[Any]) -> frozenset[str]:
    """What a cell may read: form fields, every name the BPMN files' code reads or assigns (result
    variables, scripts, conditions, parameters), every decision's outputs, the sandbox's names."""
    known = set(sample_case_data(files)) | set(dir(builtins)) | set(Run(Limits()).namespace())
    for root in bpmn_roots:
        known |= _code_names(root)
    for root in dmn_roots:
        known |= output_names(root)
    return frozenset(known)


def output_names(root: Any) -> set[str]:
    """The case variables a decision file's outputs fill."""
    return {str(output.get("name")) for decision in _children(root, "decision")
            for table in _children(decision, "decisionTable") for output in _children(table, "output")
            if output.get("name")}


def unknown_names(file: str, root: Any, known: Iterable[str], report: Report) -> None:
    """Warn about each cell that reads a name outside ``known`` (see the module's description)."""
    known = set(known) | output_names(root) | {_INPUT_VALUE}
    for decision in _children(root, "decision"):
        for table in _children(decision, "decisionTable"):
            heads = [*_children(table, "input"), *_children(table, "output")]
            inputs = len(_children(table, "input"))
            for column, head in enumerate(_children(table, "input"), start=1):
                expression = (_text(_first(head, "inputExpression")) or "").strip()
                for name in sorted(set(_names(expression)) - known):
                    report.warn(file, decision.get("id") or "",
                                f"Columna «{_label(head)}»: la expresión de entrada «{expression}» "
                                f"lee «{name}», "
                                f"que ningún formulario, tarea ni decisión del paquete define: si no llega con los "
                                f"datos de inicio (API o mensaje), el caso fallará al llegar a la tabla.",
                                head.sourceline, None, column)
            for row, rule in enumerate(_children(table, "rule"), start=1):
                entries = [*_children(rule, "inputEntry"), *_children(rule, "outputEntry")]
                for column, entry in enumerate(entries, start=1):
                    cell = (_text(entry) or "").strip()
                    if not cell or cell == "-":
                        continue
                    source = cell.replace("?", _INPUT_VALUE) if column <= inputs else cell
                    label = _label(heads[column - 1]) if column <= len(heads) else str(column)
                    for name in sorted(set(_names(source)) - known):
                        report.warn(file, decision.get("id") or "",
                                    f"Fila {row}, columna «{label}»: la celda «{cell}» usa «{name}», que ningún "
                                    f"formulario, tarea ni decisión del paquete define; si es un texto, escríbalo "
                                    f"entre comillas: \"{name}\".", entry.sourceline, row, column)


def _code_names(root: Any) -> set[str]:
    """Every name the code of a BPMN file reads or assigns: any text or attribute that is Python
    counts (scripts, conditions, parameters, result variables); prose does not parse."""
    found: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for value in [element.text or "", *element.attrib.values()]:
            value = value.strip()
            if value and len(value) < _LONGEST_CODE:
                found |= set(_names(value, "exec"))
    return found


def _names(source: str, mode: str = "eval") -> Iterator[str]:
    """The names ``source`` reads or assigns; a cell such as ``> 100`` is read after the input's value."""
    for candidate in (source, f"v {source}"):
        try:
            tree = ast.parse(candidate, mode=mode)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        yield from (node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id != "v")
        return


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def _body(source: str) -> Any:
    module = ast.parse(source)
    return module.body[0].value if len(module.body) == 1 and isinstance(module.body[0], ast.Expr) else None


def _blank(entry: Any) -> None:
    """Empty a faulty cell in the copy the library parses (its problem is already reported)."""
    for text in _children(entry, "text"):
        text.text = "-" if _local(entry) == "inputEntry" else None


def _label(element: Any) -> str:
    return str(element.get("label") or element.get("name") or element.get("id") or "")


def _text(element: Any) -> str | None:
    if element is None:
        return None
    found = _first(element, "text")
    return found.text if found is not None else None


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if isinstance(child.tag, str) and _local(child) == name]


def _first(element: Any, name: str) -> Any | None:
    found = _children(element, name)
    return found[0] if found else None


def _local(element: Any) -> str:
    return etree.QName(element).localname
