"""Validate a bundle completely before anything is stored, reporting every problem at once.

Each problem names the file, the element id and a message a modeller understands.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring
from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

import forms
from engine import sandbox
from engine.deadlines.scripting import literal_problems
from engine.records import policy as records_policy
from engine.workflow.bundles import Bundle, adapt_foreign
from engine.workflow.spiff import Parser
from engine.workflow.tasks import group_of_lane
from engine.workflow.validation import bpmn as validation_bpmn
from engine.workflow.validation import contract, outcome
from engine.workflow.validation import dmn as validation_dmn
from engine.workflow.validation.messages import platform_delivered, warn_uncorrelated_catch
from engine.workflow.validation.presentation import check_presentation
from engine.workflow.validation.report import Problem, Report
from engine.workflow.validation.spanish import spanish
from engine.workflow.validation.templates import CheckTemplate, check_templates

__all__ = ["CheckParams", "ParsedBundle", "Problem", "Report", "validate_bundle"]

_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-f]+>")


@dataclass
class ParsedBundle:
    """What deploying needs from a valid bundle."""

    key: str
    name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    processes: list[str]
    message_starts: list[str] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)


def validate_bundle(
    bundle: Bundle,
    operations: frozenset[str],
    known_groups: Callable[[], set[str]] | None = None,
    check_params: CheckParams | None = None,
    check_template: CheckTemplate | None = None,
) -> tuple[ParsedBundle | None, Report]:
    """Check every file of the bundle; return the parsed bundle when there is no problem.

    Every problem is collected before answering: XML, parsing, each executable process's
    tasks (forms, operations, code, literal service parameters) and the manifest.

    :param check_params: the connector registry's check of an operation's literal
        parameters (``Runtime.validate_params``); without it only operation names are checked.
    :param check_template: the documents connector's check of a template folder
        (``Runtime.check_template``); without it only the templates' presence is checked.
    """
    report = Report()
    parser = Parser()
    models = _read_models(bundle, report)
    names = validation_bpmn.bundle_names(
        [root for name, (_, root) in models.items() if name.endswith(".bpmn")],
        [root for name, (_, root) in models.items() if name.endswith(".dmn")])
    known = validation_dmn.known_names(bundle.files, [r for n, (_, r) in models.items() if n.endswith(".bpmn")],
                                       [r for n, (_, r) in models.items() if n.endswith(".dmn")])
    groups: dict[str, tuple[str, str, int]] = {}
    for name, (content, root) in models.items():
        if name.endswith(".dmn"):
            validation_dmn.unknown_names(name, root, known, report)  # before faulty cells are blanked
        content = _prechecked(name, content, root, names, report)
        _add_model(parser, name, content, report)
        if name.endswith(".bpmn"):
            for group, lane, _task, line in validation_bpmn.staff_groups(root):
                groups.setdefault(group, (name, lane, line))
    if not bundle.names(".bpmn"):
        report.add("", "", "El paquete no contiene ningún archivo .bpmn.")
    checked = _check_processes(parser, bundle, _Operations(operations, check_params), report)
    _check_manifest(bundle, report)
    contract.check_bundle(bundle, report.warn, report.add)  # unknown keys and properties, named files
    check_templates(bundle, report, check_template)  # template folders: present, parse, blocks, render
    check_presentation(bundle, report)
    # a file that failed to parse already has its problem; "no executable process" would be noise
    wants_key = bundle.names(".bpmn") and (parser.get_process_ids() or not report.problems)
    key = _process_key(parser, bundle, report) if wants_key else None
    parsed = checked.get(key) if key is not None else None
    if known_groups is not None:
        _warn_unknown_groups(groups, known_groups(), report)
    report.locate()
    if parsed is None:
        return None, report
    parsed.name = str(bundle.manifest.get("name") or parsed.spec.description or parsed.key)
    parsed.groups = set(groups)
    return (None if report.problems else parsed), report


def _warn_unknown_groups(groups: Mapping[str, tuple[str, str, int]], known: set[str], report: Report) -> None:
    """One warning per group the directory does not know, naming the lane and the closest known groups."""
    for group in sorted(set(groups) - known):
        file, lane, line = groups[group]
        source = f"El carril «{lane}» da el grupo" if lane and group_of_lane(lane) == group else \
            "La propiedad candidateGroup nombra el grupo"
        report.warn(file, group, f"{source} «{group}», que el directorio aún no conoce."
                    f"{validation_bpmn.suggestion(group, known)}", line)


def _check_processes(parser: Parser, bundle: Bundle, operations: _Operations,
                     report: Report) -> dict[str, ParsedBundle]:
    """Build and check every executable process; a broken one does not hide the others' problems."""
    checked: dict[str, ParsedBundle] = {}
    for key in parser.get_process_ids():
        try:
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        except SpiffWorkflowException as e:
            report.add(getattr(e, "file_name", "") or _file_of(parser, key), getattr(e, "id", "") or key,
                       _spiff_message(e))
            continue
        except Exception as e:  # the library raises bare errors (TypeError, KeyError) on some models
            report.add(_file_of(parser, key), key, f"SpiffWorkflow no puede construir el proceso: "
                       f"{type(e).__name__}: {e}")
            continue
        parsed = ParsedBundle(key=key, name=key, spec=spec, subprocess_specs=subprocess_specs,
                              processes=[key, *sorted(subprocess_specs)])
        for process in [spec, *subprocess_specs.values()]:
            _check_tasks(process, bundle, operations, report, parsed)
        checked[key] = parsed
    report.problems[:] = list({tuple(p.items()): p for p in report.problems}.values())
    return checked


def _file_of(parser: Parser, process_id: str) -> str:
    process_parser = parser.process_parsers.get(process_id)
    return str(getattr(process_parser, "filename", "") or "")


def _read_models(bundle: Bundle, report: Report) -> dict[str, tuple[bytes, Any]]:
    """Each well-formed, safe model file: its content (adapted when foreign) and its lxml tree."""
    models: dict[str, tuple[bytes, Any]] = {}
    for name in bundle.names(".bpmn") + bundle.names(".dmn"):
        content = bundle.files[name]
        try:
            # defusedxml refuses DTDs, external entities and entity expansion before lxml sees the file
            root = safe_fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except (ParseError, DefusedXmlException, ValueError) as e:
            report.add(name, "", f"XML mal formado o no permitido (sin DTD ni entidades): {e}")
            continue
        if name.endswith(".bpmn"):
            content, notes = adapt_foreign(root, content)
            for element, message in notes:
                report.warn(name, element, message)
        tree = validation_bpmn.read_tree(content)
        if tree is None:
            report.add(name, "", "XML mal formado.")
            continue
        models[name] = (content, tree)
    return models


def _prechecked(name: str, content: bytes, root: Any, names: validation_bpmn.BundleNames, report: Report) -> bytes:
    """Check the file's structure, references, timers and DMN cells; the content the library should parse.

    A file with faults is handed to the library repaired, so its other problems still show.
    """
    validation_bpmn.record_lines(name, root, report)
    if name.endswith(".dmn"):
        validation_dmn.tuple_cells(name, root, report)
        changed = validation_dmn.check_dmn(name, root, report)
    else:
        changed = validation_bpmn.precheck(name, root, names, report)
    return etree.tostring(root) if changed else content


def _add_model(parser: Parser, name: str, content: bytes, report: Report) -> None:
    try:
        if name.endswith(".dmn"):
            parser.add_dmn_str(content, filename=name)
        else:
            parser.add_bpmn_str(content, filename=name)
    except SpiffWorkflowException as e:
        report.add(getattr(e, "file_name", "") or name, getattr(e, "id", "") or "", _spiff_message(e))
    except Exception as e:  # the library raises bare errors (TypeError, KeyError) on some models
        report.add(name, "", f"SpiffWorkflow no puede leer el modelo: {type(e).__name__}: {e}")


def _process_key(parser: Parser, bundle: Bundle, report: Report) -> str | None:
    executable = parser.get_process_ids()
    wanted = bundle.manifest.get("key")
    if wanted:
        if wanted not in executable:
            report.add("manifest.yaml", str(wanted), f"El proceso «{wanted}» no existe o no es ejecutable "
                       f"(ejecutables: {', '.join(executable) or 'ninguno'}).")
            return None
        return str(wanted)
    if len(executable) == 1:
        return executable[0]
    if not executable:
        models = bundle.names(".bpmn")
        report.add(models[0] if len(models) == 1 else "", "", "El paquete no tiene ningún proceso ejecutable "
                   "(isExecutable=\"true\"): sus procesos solo documentan.")
    else:
        report.add("manifest.yaml", "", "Hay varios procesos ejecutables; el manifiesto debe indicar "
                   f"cuál inicia el trámite con «key» ({', '.join(sorted(executable))}).")
    return None


def _spiff_message(error: SpiffWorkflowException) -> str:
    notes = [n for n in getattr(error, "notes", []) or []]
    text = " ".join([str(error.args[0]) if error.args else str(error), *notes]).strip()
    # the library prints XML nodes as "<Element {namespace}tag at 0x…>": name the tag only
    return spanish(_ELEMENT_REPR.sub(lambda m: f"«{m.group(1)}»", text))


def _check_tasks(process: BpmnProcessSpec, bundle: Bundle, operations: _Operations,
                 report: Report, parsed: ParsedBundle) -> None:
    file = getattr(process, "file", "") or ""
    delivered = platform_delivered(process.task_specs.values())
    for task_spec in process.task_specs.values():
        element = getattr(task_spec, "bpmn_id", None) or task_spec.name
        if isinstance(task_spec, StartEvent) and isinstance(task_spec.event_definition, MessageEventDefinition):
            parsed.message_starts.append(task_spec.event_definition.name)
        if isinstance(task_spec, NoneTask):
            report.add(file, element, "Tarea sin tipo: el motor la esperaría como tarea manual que nadie ve. "
                       "Use una tarea de usuario, manual, de guion o de servicio.")
        _check_forms(task_spec, bundle, file, element, report)
        warn_uncorrelated_catch(task_spec, file, element, report, delivered)
        operation = getattr(task_spec, "operation_name", None)
        if operation is not None:
            for message in operations.problems(operation, getattr(task_spec, "operation_params", None) or {}):
                report.add(file, element, message)
        for source, mode, label in _code_of(task_spec):
            for message in sandbox.check_compiles(source, mode) or literal_problems(source, mode):
                report.add(file, element, f"{label} «{source.strip()[:80]}»: {message}")


CheckParams = Callable[[str, Mapping[str, Any], Iterable[str]], list[str]]


@dataclass(frozen=True)
class _Operations:
    """The operations connectors offer, and the registry's check of literal parameters."""

    names: frozenset[str]
    check_params: CheckParams | None = None

    def problems(self, operation: str, params: Mapping[str, Any]) -> list[str]:
        """Problems of a service task calling ``operation`` with the spiff parameter map."""
        if operation not in self.names:
            return [f"La tarea de servicio usa la operación «{operation}», que ningún conector ofrece."]
        if self.check_params is None:
            return []
        literals, expressions = _split_params(params)
        return [f"Parámetros de «{operation}»: {problem}"
                for problem in self.check_params(operation, literals, expressions)]


def _split_params(params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Literal values (known at deployment) apart from expressions (known when the task runs)."""
    literals: dict[str, Any] = {}
    expressions: list[str] = []
    for name, param in params.items():
        source = param.get("value") if isinstance(param, dict) else None
        try:
            literals[name] = ast.literal_eval(source) if isinstance(source, str) else source
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            expressions.append(name)
    return literals, expressions


def _check_forms(task_spec: Any, bundle: Bundle, file: str, element: str, report: Report) -> None:
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
    for prop in ("formJsonSchemaFilename", "formUiSchemaFilename"):
        form_name = properties.get(prop)
        if not form_name:
            continue
        raw = bundle.files.get(form_name)
        if raw is None:
            report.add(file, element, f"Falta el archivo de formulario «{form_name}» en el paquete.")
            continue
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            report.add(form_name, element, f"El formulario no es JSON válido: {e}")
            continue
        if prop == "formJsonSchemaFilename":
            try:
                forms.check_schema(document)
            except forms.SchemaError as e:
                report.add(form_name, element, f"El esquema del formulario no es válido: {e}")
        elif not isinstance(document, dict):
            report.add(form_name, element, "El esquema de interfaz (UI schema) debe ser un objeto JSON.")


def _code_of(task_spec: Any) -> Iterator[tuple[str, str, str]]:
    """Yield every piece of analyst code a task spec holds, with its compile mode and a label."""
    for attr, mode in (("script", "exec"), ("prescript", "exec"), ("postscript", "exec")):
        source = getattr(task_spec, attr, None)
        if isinstance(source, str) and source.strip():
            yield source, mode, "Guion"
    for condition, output in getattr(task_spec, "cond_task_specs", []) or []:
        # the library wraps each flow's condition in an operator holding the expression text
        expression = (getattr(condition, "args", None) or [condition])[0]
        if isinstance(expression, str) and expression.strip():
            yield expression, "eval", f"Condición del flujo hacia «{output}»"
    for name, param in (getattr(task_spec, "operation_params", None) or {}).items():
        value = param.get("value") if isinstance(param, dict) else None
        if isinstance(value, str) and value.strip():
            yield value, "eval", f"Parámetro «{name}»"
    event = getattr(task_spec, "event_definition", None)
    # timers are checked on the XML (validation_timers), where an unquoted duration is told apart
    expression = None if isinstance(event, TimerEventDefinition) else getattr(event, "expression", None)
    if isinstance(expression, str) and expression.strip():
        yield expression, "eval", "Expresión del evento"
    for attr in ("cardinality", "condition", "completion_condition"):
        value = getattr(task_spec, attr, None)
        if isinstance(value, str) and value.strip():
            yield value, "eval", "Expresión"


def _check_manifest(bundle: Bundle, report: Report) -> None:
    manifest = bundle.manifest
    if not manifest:
        return
    for required in ("key", "name"):
        if not manifest.get(required):
            report.add("manifest.yaml", required, f"Falta «{required}» en el manifiesto.")
    prefix = manifest.get("case_prefix")
    if prefix is not None and not (isinstance(prefix, str) and prefix.isalnum() and 1 <= len(prefix) <= 8):
        report.add("manifest.yaml", "case_prefix", "«case_prefix» debe ser de 1 a 8 letras o dígitos.")
    starters = manifest.get("iniciado_por")
    if starters is not None and not (isinstance(starters, list) and starters
                                     and all(isinstance(g, str) and g.strip() for g in starters)):
        report.add("manifest.yaml", "iniciado_por", "«iniciado_por» debe ser una lista de grupos del personal.")
    days = manifest.get("plazo_dias_habiles")
    if days is not None and not (isinstance(days, int) and not isinstance(days, bool) and days >= 0):
        report.add("manifest.yaml", "plazo_dias_habiles", "«plazo_dias_habiles» debe ser un número entero de días.")
    for where, message in (*records_policy.problems(manifest), *outcome.problems(manifest)):
        report.add("manifest.yaml", where, message)
