"""A SpiffArena process model folder turned into this platform's bundle files, and back.

SpiffArena keeps a process model as a folder: ``process_model.json`` (its display name,
description, primary file and process, notification addresses, metadata paths), BPMN files in
the same *spiff* dialect the engine reads, DMN files, forms as ``foo-schema.json`` and
``foo-uischema.json``, and unit tests as ``test_*.json``. What carries over:

- the BPMN and DMN files;
- the forms, renamed ``foo.schema.json`` / ``foo.uischema.json``, with the task properties that
  name them rewritten;
- the display name and description, into ``manifest.yaml`` (``key`` is the primary process).

Everything else is left out or kept as it is with one Spanish warning each (file, element,
message), so the analyst knows what to fix before deploying: script functions the sandbox lacks,
call activities to processes the model does not hold, data stores (removed), service task
operations the registry lacks, lanes and groups the directory does not know, unit tests
(removed), notification addresses, metadata paths, instructions the platform would show as
written (Markdown, Jinja it lacks), a process id that cannot be a key (renamed), and any other
file or setting dropped.

:func:`export_model` goes the other way; a folder exported from here also carries the manifest and
the templates, which :func:`import_model` keeps, so the round trip gives the same bundle.

Plain functions: no Flask, no database.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring
from jinja2 import TemplateSyntaxError
from jinja2 import nodes as jinja_nodes
from lxml import etree

from bounds.templates import BoundedEnvironment
from engine.deadlines.scripting import HELPER_NAMES
from engine.errors import BundleError, DataInvalid
from engine.sandbox.running import Limits, Run
from engine.studio.drafts import KEY, MAX_NAME, manifest_text
from engine.workflow.bundles import MANIFEST, adapt_foreign, bundle_from_files
from engine.workflow.tasks import group_of_lane
from engine.workflow.validation.bpmn import read_tree, staff_groups, suggestion
from engine.workflow.validation.report import Problem

PROCESS_MODEL = "process_model.json"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
_SCHEMA_PROPERTY = "formJsonSchemaFilename"
_UI_PROPERTY = "formUiSchemaFilename"
#: process_model.json keys that carry over or mean nothing here (order, the listing of files).
_QUIET_KEYS = frozenset({"display_name", "description", "primary_file_name", "primary_process_id",
                         "files", "display_order", "id", "parent_groups"})
_UNIT_TEST = re.compile(r"^test_.*\.json$")
#: The names a script, condition or cell may call: the sandbox's builtins and the business-day helpers.
AVAILABLE_NAMES = frozenset(Run(Limits()).namespace()["__builtins__"]) | HELPER_NAMES


@dataclass(frozen=True)
class Imported:
    """The bundle files of an imported model, its process key and name, and what did not carry over."""

    key: str
    name: str
    files: dict[str, bytes]
    warnings: list[Problem] = field(default_factory=list)


def looks_like_spiffarena(files: Mapping[str, bytes]) -> bool:
    """A SpiffArena model has its ``process_model.json``, or forms named ``…-schema.json`` and no manifest."""
    if any(PurePosixPath(n).name == PROCESS_MODEL for n in files):
        return True
    return MANIFEST not in files and any(n.endswith(("-schema.json", "-uischema.json")) for n in files)


def model_folder(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files of the one model folder in ``files`` (a zip of ``group/model/…``), relative to it.

    :raises DataInvalid: when the files hold several models (a process group): one is imported at a time.
    """
    folders = sorted(str(PurePosixPath(n).parent) for n in files if PurePosixPath(n).name == PROCESS_MODEL)
    if len(folders) > 1:
        listed = ", ".join(f"«{f}»" for f in folders)
        raise DataInvalid(f"Hay varios modelos de SpiffArena ({listed}): importe uno por vez, con el .zip de su "
                          "carpeta.")
    if not folders or folders[0] == ".":
        return dict(files)
    prefix = folders[0] + "/"
    return {n[len(prefix):]: c for n, c in files.items() if n.startswith(prefix)}


def import_model(files: Mapping[str, bytes], operations: Collection[str],
                 known_groups: Collection[str] | None = None) -> Imported:
    """Turn a SpiffArena process model's files (relative names, as in its folder) into bundle files.

    :param operations: the connector operations the platform has (the registry's names).
    :param known_groups: the directory's groups; ``None`` skips the check of lanes.
    :raises DataInvalid: when the model holds no BPMN file, its ``process_model.json`` is not JSON, or
        the files hold several models.
    """
    warnings: list[Problem] = []
    files = model_folder(files)
    model = _process_model(files.get(PROCESS_MODEL), warnings)
    bpmn_names = sorted(n for n in files if n.endswith(".bpmn"))
    if not bpmn_names:
        raise DataInvalid("El modelo de SpiffArena no tiene ningún archivo .bpmn.")
    renames = _form_renames(files, bpmn_names)
    ours = _our_manifest(files.get(MANIFEST), warnings)
    out, roots = _sort_files(files, renames, warnings, keep_others=ours is not None)
    key = _key(model, roots, bpmn_names)
    if not KEY.match(key):
        key = _rekey(key, roots, warnings)
    context = _Context(
        files=files, renames=renames, operations=operations, known_groups=known_groups,
        processes={p.get("id") for root in roots.values() for p in root.iter(f"{{{BPMN}}}process") if p.get("id")},
        decisions={d.get("id") for name, root in roots.items() if name.endswith(".dmn") for d in root.iter()
                   if isinstance(d.tag, str) and etree.QName(d).localname == "decision" and d.get("id")})
    for name, root in roots.items():
        if name.endswith(".bpmn"):
            out[name] = _adapt_bpmn(name, root, context, warnings)
        else:
            _check_code(name, root, warnings)
            out[name] = files[name]
    name = " ".join((str(model.get("display_name") or "").strip() or _process_name(roots, key) or key).split())
    name = name[:MAX_NAME]
    description = str(model.get("description") or "").strip()
    extra = {k: v for k, v in (ours or {}).items() if k not in ("key", "name")}
    out[MANIFEST] = manifest_text(key, name, {**extra, "description": description} if description else extra)
    return Imported(key=key, name=name, files=out, warnings=warnings)


def _our_manifest(raw: bytes | None, warnings: list[Problem]) -> dict[str, Any] | None:
    """The ``manifest.yaml`` of a model this platform exported (it keeps what SpiffArena has no place for)."""
    if raw is None:
        return None
    try:
        return dict(bundle_from_files({MANIFEST: raw}).manifest)
    except BundleError as error:
        warnings.append(_warning(MANIFEST, "", f"El manifiesto no se puede leer ({error.message}): se arma uno "
                                               "nuevo con el nombre y la descripción del modelo."))
        return None


def _sort_files(files: Mapping[str, bytes], renames: Mapping[str, str], warnings: list[Problem],
                keep_others: bool = False) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The files that carry over as they are (forms renamed), the parsed models, a warning for the rest.

    :param keep_others: keep files SpiffArena does not use (a model exported from here: templates…).
    """
    out: dict[str, bytes] = {}
    roots: dict[str, Any] = {}
    for name in sorted(files):
        if name in (PROCESS_MODEL, MANIFEST):
            continue
        if name.endswith((".bpmn", ".dmn")):
            root = _parse(files[name])
            if root is None:
                warnings.append(_warning(name, "", "El archivo no es XML válido: se importa tal cual y la "
                                                   "revisión dirá qué falla."))
                out[name] = files[name]
            else:
                roots[name] = root
        elif name in renames:
            out[renames[name]] = files[name]
        elif _UNIT_TEST.match(PurePosixPath(name).name):
            warnings.append(_warning(name, "", "Las pruebas unitarias de SpiffArena no se importan: "
                                               "use los casos de prueba del estudio."))
        elif keep_others:
            out[name] = files[name]
        else:
            warnings.append(_warning(name, "", "La plataforma no usa este archivo: queda afuera del borrador."))
    return out, roots


def export_model(files: Mapping[str, bytes], key: str, name: str, main_bpmn: str | None) -> dict[str, bytes]:
    """A bundle's files as a SpiffArena process model folder: the reverse of :func:`import_model`.

    Forms are named ``foo-schema.json`` / ``foo-uischema.json`` (and the tasks that name them follow),
    ``process_model.json`` carries the name, description, primary file and process; the rest (the
    manifest, templates) stays, so importing the folder back gives the same bundle.
    """
    renames = {n: n.removesuffix(".uischema.json") + "-uischema.json" for n in files if n.endswith(".uischema.json")}
    renames |= {n: n.removesuffix(".schema.json") + "-schema.json" for n in files
                if n.endswith(".schema.json") and not n.endswith(".uischema.json")}
    out = {renames.get(n, n): c for n, c in files.items() if not n.endswith(".bpmn")}
    for bpmn_name in sorted(n for n in files if n.endswith(".bpmn")):
        root = _parse(files[bpmn_name])
        if root is None:
            out[bpmn_name] = files[bpmn_name]
            continue
        for prop in root.iter(f"{{{SPIFF}}}property"):
            if prop.get("name") in (_SCHEMA_PROPERTY, _UI_PROPERTY) and prop.get("value") in renames:
                prop.set("value", renames[prop.get("value")])
        out[bpmn_name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    manifest = _our_manifest(files.get(MANIFEST), []) or {}
    model: dict[str, Any] = {"description": str(manifest.get("description") or ""), "display_name": name,
             "exception_notification_addresses": [], "fault_or_suspend_on_exception": "fault", "files": [],
             "metadata_extraction_paths": None, "primary_file_name": main_bpmn or "", "primary_process_id": key}
    out[PROCESS_MODEL] = (json.dumps(model, ensure_ascii=False, indent=4, sort_keys=True) + "\n").encode()
    return out


def _warning(file: str, element: str, message: str) -> Problem:
    return {"file": file, "element": element, "message": message}


def _process_model(raw: bytes | None, warnings: list[Problem]) -> dict[str, Any]:
    """The parsed ``process_model.json``, with a warning for each setting that does not carry over."""
    if raw is None:
        return {}
    try:
        model = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise DataInvalid(f"{PROCESS_MODEL} no es JSON válido: {e}") from e
    if not isinstance(model, dict):
        raise DataInvalid(f"{PROCESS_MODEL} debe ser un objeto JSON.")
    if model.get("exception_notification_addresses"):
        addresses = ", ".join(str(a) for a in model["exception_notification_addresses"])
        warnings.append(_warning(PROCESS_MODEL, "exception_notification_addresses",
                                 f"Las direcciones que SpiffArena avisa ante un error ({addresses}) no se "
                                 "importan: aquí los errores de un caso quedan como incidentes en la bandeja de "
                                 "incidentes."))
    if model.get("metadata_extraction_paths"):
        paths = ", ".join(str(p.get("path", p) if isinstance(p, dict) else p)
                          for p in model["metadata_extraction_paths"])
        warnings.append(_warning(PROCESS_MODEL, "metadata_extraction_paths",
                                 f"Los datos que SpiffArena extrae para sus listados ({paths}) no se importan: "
                                 "declare lo que ve cada público en «resumen» del manifiesto."))
    if model.get("fault_or_suspend_on_exception") not in (None, "", "fault"):
        warnings.append(_warning(PROCESS_MODEL, "fault_or_suspend_on_exception",
                                 "SpiffArena suspendía el caso ante un error; aquí el caso queda con un "
                                 "incidente que el personal reintenta."))
    for key in sorted(set(model) - _QUIET_KEYS - {"exception_notification_addresses",
                                                  "metadata_extraction_paths", "fault_or_suspend_on_exception"}):
        if model[key] not in (None, "", [], {}):
            warnings.append(_warning(PROCESS_MODEL, key, f"La opción «{key}» de SpiffArena no se importa."))
    return model


def _parse(content: bytes) -> Any | None:
    """The lxml tree of a model file that defusedxml accepts (no DTD or entities), else ``None``."""
    try:
        safe_fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        return None
    return read_tree(content)


def _form_renames(files: Mapping[str, bytes], bpmn_names: list[str]) -> dict[str, str]:
    """Old name → new name of every form file: by its SpiffArena suffix or by the property that names it."""
    renames: dict[str, str] = {}
    for name in files:
        if name.endswith("-uischema.json"):
            renames[name] = name.removesuffix("-uischema.json") + ".uischema.json"
        elif name.endswith("-schema.json"):
            renames[name] = name.removesuffix("-schema.json") + ".schema.json"
    for bpmn_name in bpmn_names:
        root = _parse(files[bpmn_name])
        if root is None:
            continue
        for prop in root.iter(f"{{{SPIFF}}}property"):
            value = prop.get("value") or ""
            if value in files and value not in renames and value.endswith(".json"):
                if prop.get("name") == _SCHEMA_PROPERTY and not value.endswith(".schema.json"):
                    renames[value] = value.removesuffix(".json") + ".schema.json"
                elif prop.get("name") == _UI_PROPERTY and not value.endswith(".uischema.json"):
                    renames[value] = value.removesuffix(".json") + ".uischema.json"
    return renames


@dataclass(frozen=True)
class _Context:
    """What the model holds and the platform has, for checking one BPMN file."""

    files: Mapping[str, bytes]
    renames: Mapping[str, str]
    operations: Collection[str]
    known_groups: Collection[str] | None
    processes: set[str]
    decisions: set[str]


def _adapt_bpmn(name: str, root: Any, context: _Context, warnings: list[Problem]) -> bytes:
    """One BPMN file rewritten for the platform; a warning for each thing that does not carry over."""
    _rename_forms(name, root, context.renames, context.files, warnings)
    _drop_data_stores(name, root, warnings)
    _drop_unit_tests(name, root, warnings)
    _check_references(name, root, context, warnings)
    if context.known_groups is not None:
        _check_groups(name, root, context.known_groups, warnings)
    _check_code(name, root, warnings)
    _check_instructions(name, root, warnings)
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if SPIFF.encode() not in content:  # a model without the spiff dialect: what the engine would adapt, done now
        adapted, notes = adapt_foreign(safe_fromstring(content), content)
        warnings.extend(_warning(name, element, message) for element, message in notes)
        content = adapted
    return content


def _check_references(name: str, root: Any, context: _Context, warnings: list[Problem]) -> None:
    """Calls to processes and decisions the model lacks, operations the registry lacks."""
    for call in root.iter(f"{{{BPMN}}}callActivity"):
        called = call.get("calledElement") or ""
        if called and called not in context.processes:
            warnings.append(_warning(name, call.get("id") or "",
                                     f"La actividad de llamada invoca el proceso «{called}», que no está en el "
                                     "modelo importado: agregue su BPMN al borrador o cambie la llamada."))
    for called_decision in root.iter(f"{{{SPIFF}}}calledDecisionId"):
        decision = (called_decision.text or "").strip()
        if decision and decision not in context.decisions:
            warnings.append(_warning(name, _owner(called_decision).get("id") or "",
                                     f"La tarea evalúa la decisión «{decision}», que ningún .dmn del modelo "
                                     "importado define: agregue su tabla al borrador."))
    for operator in root.iter(f"{{{SPIFF}}}serviceTaskOperator"):
        operation = operator.get("id") or ""
        if operation not in context.operations:
            warnings.append(_warning(name, _owner(operator).get("id") or "",
                                     f"La tarea de servicio llama la operación «{operation}» de SpiffArena, que "
                                     "la plataforma no tiene: elija una operación del catálogo."
                                     f"{suggestion(operation, context.operations)}"))


def _check_groups(name: str, root: Any, known_groups: Collection[str], warnings: list[Problem]) -> None:
    """One warning per group of a lane (or candidateGroup) the directory does not know, on its first task."""
    seen: set[str] = set()
    for group, lane, task_id, _line in staff_groups(root):
        if group in known_groups or group in seen:
            continue
        seen.add(group)
        source = f"El carril «{lane}» da el grupo" if lane and group_of_lane(lane) == group else \
            "La propiedad candidateGroup nombra el grupo"
        warnings.append(_warning(name, task_id, f"{source} «{group}», que el directorio no conoce."
                                                f"{suggestion(group, known_groups)}"))


def _rename_forms(name: str, root: Any, renames: Mapping[str, str], files: Mapping[str, bytes],
                  warnings: list[Problem]) -> None:
    for prop in root.iter(f"{{{SPIFF}}}property"):
        if prop.get("name") not in (_SCHEMA_PROPERTY, _UI_PROPERTY):
            continue
        value = prop.get("value") or ""
        if value in renames:
            prop.set("value", renames[value])
        elif value and value not in files:
            task = _owner(prop)
            warnings.append(_warning(name, task.get("id") or "",
                                     f"El formulario «{value}» no está en el modelo importado: súbalo al "
                                     "borrador o cree uno nuevo."))


def _drop_data_stores(name: str, root: Any, warnings: list[Problem]) -> None:
    """Remove data stores, their references, the associations that use them and their shapes."""
    tags = {f"{{{BPMN}}}dataStore", f"{{{BPMN}}}dataStoreReference"}
    stores = [e for e in root.iter() if e.tag in tags]
    if not stores:
        return
    removed = {e.get("id") for e in stores if e.get("id")}
    for association in list(root.iter(f"{{{BPMN}}}dataInputAssociation", f"{{{BPMN}}}dataOutputAssociation")):
        refs = {(r.text or "").strip() for r in association
                if r.tag in (f"{{{BPMN}}}sourceRef", f"{{{BPMN}}}targetRef")}
        if refs & removed:
            if association.get("id"):
                removed.add(association.get("id"))
            association.getparent().remove(association)
    for store in stores:
        store.getparent().remove(store)
        if store.tag == f"{{{BPMN}}}dataStore":
            warnings.append(_warning(name, store.get("id") or "",
                                     f"El almacén de datos «{store.get('name') or store.get('id')}» de SpiffArena "
                                     "no existe en la plataforma: se quitó del modelo con sus referencias. Los "
                                     "datos del caso quedan en sus variables; lo compartido entre casos, en un "
                                     "conector."))
    for shape in list(root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")):
        if shape.get("bpmnElement") in removed:
            shape.getparent().remove(shape)


def _drop_unit_tests(name: str, root: Any, warnings: list[Problem]) -> None:
    for tests in list(root.iter(f"{{{SPIFF}}}unitTests")):
        task = _owner(tests)
        tests.getparent().remove(tests)
        warnings.append(_warning(name, task.get("id") or "",
                                 "Las pruebas unitarias de SpiffArena dentro de la tarea no se importan: use los "
                                 "casos de prueba del estudio."))


#: The environment the instructions render in (``engine.workflow.instructions``), to read them the same way.
_JINJA = BoundedEnvironment(autoescape=True)
#: Markdown that SpiffArena renders and the platform shows as written: headings, emphasis, lists, links, tables.
_MARKDOWN = re.compile(r"(^|\n)\s*(#{1,6}\s|[*+-]\s|\d+\.\s|\|.*\|)|\*\*[^*\n]+\*\*|\[[^\]\n]+\]\([^)\s]+\)")


def _check_instructions(name: str, root: Any, warnings: list[Problem]) -> None:
    """Warnings for instructions in Markdown (here: a Jinja template of simple HTML) and for Jinja they lack."""
    for instructions in root.iter(f"{{{SPIFF}}}instructionsForEndUser"):
        text, element = instructions.text or "", _owner(instructions).get("id") or ""
        if _MARKDOWN.search(text):
            warnings.append(_warning(name, element,
                                     "Las instrucciones están escritas en Markdown, como las muestra SpiffArena; "
                                     "aquí se verían los signos tal cual: reescríbalas con HTML simple (p, "
                                     "strong, em, ul, li, a)."))
        problem = _template_problem(text)
        if problem:
            warnings.append(_warning(name, element, problem))


def _template_problem(text: str) -> str | None:
    """Why the instructions would be shown as written instead of filled in with the case's data, if they would."""
    try:
        tree = _JINJA.parse(text)
    except TemplateSyntaxError as error:
        return (f"Las instrucciones no son una plantilla válida ({error.message}, renglón {error.lineno}): se "
                "mostrarían tal cual, sin los datos del caso.")
    filters = sorted({f.name for f in tree.find_all(jinja_nodes.Filter) if f.name not in _JINJA.filters})
    tests = sorted({t.name for t in tree.find_all(jinja_nodes.Test) if t.name not in _JINJA.tests})
    if filters or tests:
        listed = ", ".join(f"«{n}»" for n in [*filters, *tests])
        return (f"Las instrucciones usan {listed}, que la plataforma no tiene (es de SpiffArena): se mostrarían "
                "tal cual, sin los datos del caso.")
    return None


def _owner(element: Any) -> Any:
    current = element.getparent()
    while current is not None and not current.get("id"):
        current = current.getparent()
    return current if current is not None else element


def _check_code(name: str, root: Any, warnings: list[Problem]) -> None:
    """One warning per element that calls a function the sandbox does not have (``get_current_user()``)."""
    for element_id, code in _code(root):
        missing = _missing_functions(code)
        if missing:
            listed = ", ".join(f"«{m}()»" for m in missing)
            warnings.append(_warning(name, element_id,
                                     f"El código llama {listed}, que no existe en la plataforma (es de "
                                     "SpiffArena): reemplácelo con los datos del caso o una operación de "
                                     "conector."))


_CODE_TAGS = {f"{{{BPMN}}}script", f"{{{SPIFF}}}preScript", f"{{{SPIFF}}}postScript",
              f"{{{BPMN}}}conditionExpression", f"{{{BPMN}}}timeDuration", f"{{{BPMN}}}timeDate",
              f"{{{BPMN}}}timeCycle"}


def _code(root: Any) -> Iterator[tuple[str, str]]:
    """``(element id, code)`` of every script, condition, timer, service parameter and DMN cell."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if element.tag in _CODE_TAGS and element.text:
            yield _owner(element).get("id") or "", element.text
        elif element.tag == f"{{{SPIFF}}}parameter" and element.get("value"):
            yield _owner(element).get("id") or "", element.get("value")
        elif local == "text" and etree.QName(element).namespace != BPMN and element.text:  # a DMN cell
            yield _owner(element).get("id") or "", element.text


def _missing_functions(code: str) -> list[str]:
    """Names called as ``f(...)`` that neither the sandbox nor the code itself defines."""
    try:
        tree = ast.parse(code.strip())
    except SyntaxError:
        return []  # the check before deploying reports it, with its line
    defined = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    defined |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    defined |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return sorted(called - defined - AVAILABLE_NAMES)


def _key(model: Mapping[str, Any], roots: Mapping[str, Any], bpmn_names: list[str]) -> str:
    """The primary process of the model, else the first executable process of its primary file."""
    if model.get("primary_process_id"):
        return str(model["primary_process_id"])
    primary = str(model.get("primary_file_name") or "")
    for name in ([primary] if primary in roots else []) + bpmn_names:
        root = roots.get(name)
        for process in root.iter(f"{{{BPMN}}}process") if root is not None else ():
            if process.get("isExecutable") == "true" and process.get("id"):
                return str(process.get("id"))
    return PurePosixPath(bpmn_names[0]).stem


def _rekey(key: str, roots: Mapping[str, Any], warnings: list[Problem]) -> str:
    """Rename a process whose id cannot be a procedure's key (``Process_fil0r1s``) and every reference to it."""
    new = re.sub(r"[^a-z0-9_]+", "_", key.lower()).strip("_")[:60]
    new = new if new[:1].isalpha() else f"tramite_{new}"[:60].rstrip("_")
    new = new if KEY.match(new) else "tramite_importado"
    for name, root in roots.items():
        if not name.endswith(".bpmn"):
            continue
        for element in root.iter():
            for attribute in ("processRef", "bpmnElement", "calledElement"):
                if element.get(attribute) == key:
                    element.set(attribute, new)
            if element.tag == f"{{{BPMN}}}process" and element.get("id") == key:
                element.set("id", new)
                warnings.append(_warning(name, new, f"El id del proceso «{key}» no sirve como clave del trámite "
                                                    f"(minúsculas, dígitos y guiones bajos): ahora es «{new}»."))
    return new


def _process_name(roots: Mapping[str, Any], key: str) -> str:
    for root in roots.values():
        for process in root.iter(f"{{{BPMN}}}process"):
            if process.get("id") == key:
                return str(process.get("name") or "")
    return ""
