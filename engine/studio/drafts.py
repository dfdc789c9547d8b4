"""Studio drafts: a procedure's bundle while an analyst edits it, stored file by file.

A draft becomes a deployed version through the same validation and deploy as the API's; until
then it is only the analyst's. Names and sizes follow the bundle rules, so a draft that saves is
a draft that can be packaged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import audit, safe_yaml
from engine.db import db
from engine.errors import BundleError, DataInvalid, DeploymentInvalid, NotFound
from engine.models import Deployment, StudioDraft, StudioDraftFile
from engine.workflow import deployments
from engine.workflow.bundles import MANIFEST, MAX_BUNDLE_BYTES, MAX_FILES, Bundle, bundle_from_files
from engine.workflow.deployments import DeployResult
from engine.workflow.validation import CheckParams
from engine.workflow.validation.report import Problem
from engine.workflow.validation.templates import CheckTemplate

#: A process key is the BPMN process id: an XML name people can also read in URLs.
KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
MAX_NAME = 200
#: One file of a draft: the largest a bundle may hold in all.
MAX_FILE_BYTES = MAX_BUNDLE_BYTES

_KINDS = (
    (".bpmn", "bpmn"), (".dmn", "dmn"), (".uischema.json", "uischema"), (".schema.json", "schema"),
)


def kind_of(name: str) -> str:
    """What a draft file is, by name: ``bpmn``, ``dmn``, ``schema``, ``uischema``, ``manifest``,
    ``template`` (inside a folder) or ``other``."""
    if name == MANIFEST:
        return "manifest"
    for suffix, kind in _KINDS:
        if name.endswith(suffix):
            return kind
    return "template" if "/" in name else "other"


def check_key(key: str) -> str:
    key = key.strip()
    if not KEY.match(key):
        raise DataInvalid("La clave del trámite debe empezar con una letra minúscula y tener de 2 a 60 letras "
                          "minúsculas, dígitos o guiones bajos (por ejemplo «permiso_feria»).")
    return key


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise DataInvalid("Escriba el nombre del trámite.")
    if len(name) > MAX_NAME:
        raise DataInvalid(f"El nombre del trámite admite hasta {MAX_NAME} caracteres.")
    return name


def empty_bpmn(key: str, name: str) -> bytes:
    """A process with one start event, laid out so the modeller shows it."""
    title = _xml_attr(name)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="{title}" isExecutable="true">
    <bpmn:startEvent id="inicio" name="Inicio" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_{key}">
    <bpmndi:BPMNPlane id="BPMNPlane_{key}" bpmnElement="{key}">
      <bpmndi:BPMNShape id="inicio_di" bpmnElement="inicio">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
""".encode()


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def manifest_text(key: str, name: str, extra: Mapping[str, Any] | None = None) -> bytes:
    body: dict[str, Any] = {"key": key, "name": name, **(extra or {})}
    return safe_yaml.dump(body).encode()


def create_empty(name: str, key: str, actor: str, now: datetime) -> StudioDraft:
    """A new procedure: a start event and a manifest with its key and name."""
    name, key = check_name(name), check_key(key)
    files = {f"{key}.bpmn": empty_bpmn(key, name), MANIFEST: manifest_text(key, name, {"guia": True})}
    return _store(name, key, files, actor, now, None)


def create_from_files(name: str, files: Mapping[str, bytes], actor: str, now: datetime,
                      base: Deployment | None = None) -> StudioDraft:
    """A draft holding ``files`` (an imported bundle, or a deployed version's files).

    :raises BundleError: for names or sizes a bundle may not have.
    """
    bundle = bundle_from_files(files)
    key = str(bundle.manifest.get("key") or (base.key if base else "") or _first_process_id(bundle) or "")
    title = check_name(name or str(bundle.manifest.get("name") or key))
    return _store(title, check_key(key) if key else check_key("nuevo_tramite"), bundle.files, actor, now, base)


def create_from_version(deployment: Deployment, actor: str, now: datetime) -> StudioDraft:
    files = {item.name: item.content for item in deployment.files}
    return create_from_files(deployment.name, files, actor, now, base=deployment)


def _store(name: str, key: str, files: Mapping[str, bytes], actor: str, now: datetime,
           base: Deployment | None) -> StudioDraft:
    draft = StudioDraft(name=name, key=key, base_key=base.key if base else None,
                        base_version=base.version if base else None, created_by=actor, created_at=now,
                        updated_by=actor, updated_at=now,
                        files=[StudioDraftFile(name=n, content=c) for n, c in sorted(files.items())])
    db.session.add(draft)
    db.session.flush()
    audit.record("draft_created", actor, data={"draft": draft.id, "key": key,
                                               "base": f"{base.key} v{base.version}" if base else None})
    return draft


def _first_process_id(bundle: Bundle) -> str | None:
    for name in bundle.names(".bpmn"):
        found = re.search(rb'<(?:\w+:)?process\b[^>]*\bid="([^"]+)"', bundle.files[name])
        if found:
            return found.group(1).decode(errors="replace")
    return None


def get(draft_id: int) -> StudioDraft:
    draft = db.session.get(StudioDraft, draft_id)
    if draft is None:
        raise NotFound("No existe ese borrador (quizás ya se descartó).")
    return draft


def listing() -> list[StudioDraft]:
    return list(db.session.scalars(select(StudioDraft).order_by(StudioDraft.updated_at.desc())))


def files_of(draft: StudioDraft) -> dict[str, bytes]:
    return {item.name: item.content for item in draft.files}


def main_bpmn(draft: StudioDraft) -> str | None:
    """The BPMN file that holds the draft's process, else its first BPMN file."""
    names = sorted(f.name for f in draft.files if f.name.endswith(".bpmn"))
    pattern = re.compile(rb'<(?:\w+:)?process\b[^>]*\bid="' + re.escape(draft.key.encode()) + rb'"')
    for item in draft.files:
        if item.name in names and pattern.search(item.content):
            return item.name
    return names[0] if names else None


def put_file(draft: StudioDraft, name: str, content: bytes, actor: str, now: datetime) -> str:
    """Write one file (new or replaced) and return its normalized name.

    :raises DataInvalid: for a name a bundle may not hold, a file too large, or too many files.
    """
    if len(content) > MAX_FILE_BYTES:
        raise DataInvalid("El archivo supera los 20 MB que admite un paquete.")
    clean = _clean_name(name)
    current = {f.name: f for f in draft.files}
    if clean in current:
        current[clean].content = content
    else:
        if len(current) >= MAX_FILES:
            raise DataInvalid(f"Un trámite admite hasta {MAX_FILES} archivos.")
        draft.files.append(StudioDraftFile(name=clean, content=content))
    if sum(len(f.content) for f in draft.files) > MAX_BUNDLE_BYTES:
        raise DataInvalid("Con este archivo el trámite superaría los 20 MB que admite un paquete.")
    if clean == MANIFEST:
        _follow_manifest(draft, content)
    _touch(draft, actor, now)
    return clean


def _clean_name(name: str) -> str:
    try:
        return next(iter(bundle_from_files({name: b""}).files))
    except BundleError as error:
        raise DataInvalid(f"Nombre de archivo no permitido: «{name}». Use letras sin acentos, dígitos, «.», «-», "
                          "«_» y «/» para carpetas.") from error


def _follow_manifest(draft: StudioDraft, content: bytes) -> None:
    """The draft's title and key are the manifest's, once it names them."""
    try:
        manifest = bundle_from_files({MANIFEST: content}).manifest
    except BundleError as error:
        raise DataInvalid(error.message) from error
    if manifest.get("name"):
        draft.name = check_name(str(manifest["name"]))
    if manifest.get("key"):
        draft.key = check_key(str(manifest["key"]))


def delete_file(draft: StudioDraft, name: str, actor: str, now: datetime) -> None:
    for item in list(draft.files):
        if item.name == name:
            draft.files.remove(item)
            _touch(draft, actor, now)
            return
    raise NotFound(f"El borrador no tiene el archivo «{name}».")


def _touch(draft: StudioDraft, actor: str, now: datetime) -> None:
    draft.updated_by, draft.updated_at = actor, now


def bundle_of(draft: StudioDraft) -> Bundle:
    return bundle_from_files(files_of(draft))


def check(draft: StudioDraft, now: datetime, operations: frozenset[str],
          known_groups: Callable[[], set[str]] | None = None, check_params: CheckParams | None = None,
          check_template: CheckTemplate | None = None) -> tuple[list[Problem], list[Problem]]:
    """Run the deploy-time validation on the draft and remember its outcome."""
    try:
        problems, warnings = deployments.validate(bundle_of(draft), operations, known_groups, check_params,
                                                  check_template)
    except BundleError as error:
        problems, warnings = [_as_problem(e) for e in error.errors or [{"message": error.message}]], []
    draft.last_check = {"at": now.isoformat(), "problems": problems, "warnings": warnings}
    return problems, warnings


def _as_problem(error: Mapping[str, Any]) -> Problem:
    return {"file": str(error.get("file", "")), "element": str(error.get("element", "")),
            "message": str(error.get("message", ""))}


def deploy(draft: StudioDraft, actor: str, now: datetime, operations: frozenset[str],
           known_groups: Callable[[], set[str]] | None = None, check_params: CheckParams | None = None,
           check_template: CheckTemplate | None = None) -> DeployResult:
    """Deploy the draft as the next version of its key, exactly as the API would.

    :raises DeploymentInvalid: listing every problem (the draft keeps them as its last check).
    """
    try:
        result = deployments.deploy(bundle_of(draft), actor, operations, known_groups, check_params, check_template)
    except (DeploymentInvalid, BundleError) as error:
        warnings = error.warnings if isinstance(error, DeploymentInvalid) else []
        draft.last_check = {"at": now.isoformat(), "problems": [_as_problem(e) for e in error.errors or []],
                            "warnings": warnings}
        raise
    draft.deployed_version = result.deployment.version
    draft.last_check = {"at": now.isoformat(), "problems": [], "warnings": result.warnings}
    audit.record("draft_deployed", actor, data={"draft": draft.id, "key": result.deployment.key,
                                                "version": result.deployment.version, "created": result.created})
    return result


def discard(draft: StudioDraft, actor: str) -> None:
    audit.record("draft_discarded", actor, data={"draft": draft.id, "key": draft.key})
    db.session.delete(draft)
