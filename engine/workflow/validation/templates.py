"""Deploy-time checks of the templates a bundle carries (certificates, notices).

Every literal ``plantilla`` of a ``documentos/emitir_certificado`` service task must name a
folder of the bundle with a ``template.html`` (or ``plataforma``), and every template folder
must parse, fill only blocks the platform's layout defines, declare a valid
``verificacion.json`` and render with sample data made from the bundle's form schemas
(:mod:`engine.workflow.validation.sample_data`). The engine may not import connectors: the renderer's
check arrives as an injected callable (:data:`CheckTemplate`, ``Runtime.check_template``).
"""

from __future__ import annotations

import ast
import builtins
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from engine.sandbox import SandboxedEnvironment
from engine.workflow.bundles import SPIFF_NS, Bundle
from engine.workflow.validation.sample_data import sample_case_data, sample_of_bundle

CERTIFICATE_OPERATION = "documentos/emitir_certificado"
#: The operations whose ``plantilla`` is a template folder: a certificate, and a document officials sign.
TEMPLATE_OPERATIONS = (CERTIFICATE_OPERATION, "documentos/emitir_para_firma")
PLATFORM_TEMPLATE = "plataforma"
ENTRY_TEMPLATE = "template.html"
#: The ``datos`` an analyst writes for a template whose data a script makes (unknown before a
#: case runs): the preview and the deploy check render with it.
EXAMPLE_DATA = "ejemplo.json"
_BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

#: ``check_template(bundle_files, folder, sample_datos, strict) -> [{"file", "line", "message", "level"}]``
#: (``level``: ``"warning"`` for a failure the sample data may cause, else a problem).
CheckTemplate = Callable[[Mapping[str, bytes], str, Mapping[str, Any], bool], list[dict[str, Any]]]


class Reporter(Protocol):
    def add(self, file: str, element: str, message: str, line: int | None = None) -> None: ...

    def warn(self, file: str, element: str, message: str, line: int | None = None) -> None: ...


@dataclass(frozen=True)
class TemplateUse:
    """A service task that issues a certificate: where it is and what it asks for."""

    file: str
    element: str
    template: str | None  # None: an expression, known only when the case runs
    data: Mapping[str, Any] | None  # the sample ``datos``; None when they cannot be worked out
    exact: bool = False  # literal ``datos``: the sample is exactly what the case passes
    source: str | None = None  # the ``datos`` expression as written


def check_templates(bundle: Bundle, report: Reporter, check_template: CheckTemplate | None = None) -> None:
    """Report every template problem of ``bundle`` (see the module's description)."""
    sample = sample_of_bundle(bundle)
    uses = [use for name in bundle.names(".bpmn") for use in _uses(name, bundle.files[name], sample)]
    checked: set[str] = set()
    for use in uses:
        if use.template is None:
            report.warn(use.file, use.element, "La plantilla del certificado es una expresión: no se puede "
                        "comprobar al desplegar que exista en el paquete.")
            continue
        if use.template == PLATFORM_TEMPLATE:
            continue
        if f"{use.template}/{ENTRY_TEMPLATE}" not in bundle.files:
            report.add(use.file, use.element, f"La plantilla «{use.template}» no está en el paquete: falta el "
                       f"archivo «{use.template}/{ENTRY_TEMPLATE}» (o use «{PLATFORM_TEMPLATE}»).")
            continue
        if check_template is not None and use.template not in checked:
            checked.add(use.template)
            data = use.data or example_data(bundle.files, use.template) or sample
            _report(report, use.element, check_template(bundle.files, use.template, data, use.exact))
    _check_examples(bundle.files, report)
    if check_template is None:
        return
    for folder in _folders(bundle.files):
        if folder not in checked:  # a template no task names yet (or named by an expression)
            _report(report, folder, check_template(bundle.files, folder, example_data(bundle.files, folder) or sample,
                                                   False))


def _check_examples(files: Mapping[str, bytes], report: Reporter) -> None:
    for folder in _folders(files):
        if f"{folder}/{EXAMPLE_DATA}" in files and example_data(files, folder) is None:
            report.add(f"{folder}/{EXAMPLE_DATA}", folder, "Los datos de ejemplo de la plantilla deben ser un "
                       "objeto JSON válido ({\"clave\": valor, …}).")


def example_data(files: Mapping[str, bytes], folder: str) -> Mapping[str, Any] | None:
    """The template's own example ``datos`` (``<folder>/ejemplo.json``), or ``None`` when it has
    none or it is not a JSON object."""
    raw = files.get(f"{folder}/{EXAMPLE_DATA}")
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _report(report: Reporter, element: str, problems: list[dict[str, Any]]) -> None:
    for problem in problems:
        line = problem.get("line")
        message = str(problem["message"])
        if line and f"línea {line}" not in message:
            message = f"{message.removesuffix('.')} (línea {line})."
        add = report.warn if problem.get("level") == "warning" else report.add
        add(str(problem["file"]), element, message, line=line if isinstance(line, int) else None)


def _folders(files: Mapping[str, bytes]) -> list[str]:
    suffix = "/" + ENTRY_TEMPLATE
    return sorted(name[: -len(suffix)] for name in files if name.endswith(suffix))


def _uses(file: str, content: bytes, sample: Mapping[str, Any]) -> list[TemplateUse]:
    """The certificate-issuing service tasks of one BPMN file, read from its XML (so that a
    process SpiffWorkflow cannot build still has its templates checked)."""
    try:
        root = safe_fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        return []  # the validator reports the file itself
    found = []
    for task in root.iter(f"{{{_BPMN_NS}}}serviceTask"):
        operator = task.find(f"./{{{_BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}serviceTaskOperator")
        if operator is None or operator.get("id") not in TEMPLATE_OPERATIONS:
            continue
        params = {param.get("id"): {"value": param.get("value")}
                  for param in operator.iter(f"{{{SPIFF_NS}}}parameter")}
        template = _literal(params.get("plantilla"))
        found.append(TemplateUse(file, task.get("id") or "", template if isinstance(template, str) else None,
                                 _sample_data(params.get("datos"), sample),
                                 isinstance(_literal(params.get("datos")), Mapping), _source(params.get("datos"))))
    return found


_NOT_LITERAL = object()


def preview_data(files: Mapping[str, bytes], folder: str) -> Mapping[str, Any]:
    """The ``datos`` a preview of ``folder`` renders with: what the task that issues it passes,
    worked out over the sample case, with the variables only a running case holds (a decision's
    output, a script's) as empty texts; the template's own example (``ejemplo.json``) when a
    script makes them; the sample case itself when no task names the folder."""
    sample = sample_case_data(files)
    for name in sorted(n for n in files if n.endswith(".bpmn")):
        for use in _uses(name, files[name], sample):
            if use.template != folder or use.data is None and not use.source:
                continue
            if use.data is not None:
                return use.data
            if (example := example_data(files, folder)) is not None:
                return example
            try:
                unknown = {n.id for n in ast.walk(ast.parse(str(use.source), mode="eval"))
                           if isinstance(n, ast.Name)} - set(sample) - set(dir(builtins))
                context = {**sample, **dict.fromkeys(unknown, "")}
                value = SandboxedEnvironment().evaluate(str(use.source), context)
            except Exception:  # noqa: S112 - not known before a case runs: the sample shows the layout
                continue
            if isinstance(value, Mapping):
                return value
    return sample


def _source(param: Any) -> Any:
    return param.get("value") if isinstance(param, Mapping) else None


def _literal(param: Any) -> Any:
    source = _source(param)
    try:
        return ast.literal_eval(source) if isinstance(source, str) else _NOT_LITERAL
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_LITERAL


def _sample_data(param: Any, sample: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ``datos`` a task would pass, worked out over the sample case; ``None`` when unknown.

    A ``datos`` expression that names a variable no form fills (a decision's output, a
    script's) cannot be worked out before a case runs: the template is then checked leniently.
    """
    literal = _literal(param)
    if isinstance(literal, Mapping):
        return literal
    source = _source(param)
    if not isinstance(source, str):
        return None
    try:
        value = SandboxedEnvironment().evaluate(source, dict(sample))
    except Exception:  # a ScriptError or any failure only means "not known before the case runs"
        return None
    return value if isinstance(value, Mapping) else None
