"""Deploy bundles as immutable, versioned process definitions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import load_only

from engine import audit
from engine.db import db
from engine.errors import DeploymentInvalid, NotFound
from engine.models import Deployment, DeploymentFile
from engine.workflow.bundles import Bundle
from engine.workflow.spiff import specs_to_dict
from engine.workflow.validation import CheckParams, Problem, validate_bundle
from engine.workflow.validation.templates import CheckTemplate


@dataclass(frozen=True)
class DeployResult:
    deployment: Deployment
    created: bool
    warnings: list[Problem]


def validate(bundle: Bundle, operations: frozenset[str], known_groups: Callable[[], set[str]] | None = None,
             check_params: CheckParams | None = None,
             check_template: CheckTemplate | None = None) -> tuple[list[Problem], list[Problem]]:
    """Return ``(problems, warnings)`` of a bundle without deploying it."""
    _parsed, report = validate_bundle(bundle, operations, known_groups, check_params, check_template)
    return report.problems, report.warnings


def deploy(bundle: Bundle, actor: str, operations: frozenset[str],
           known_groups: Callable[[], set[str]] | None = None, check_params: CheckParams | None = None,
           check_template: CheckTemplate | None = None, *, trial: bool = False) -> DeployResult:
    """Validate and store a bundle as the next version of its process key.

    An unchanged bundle (same content hash) returns the existing version.

    :param trial: a version deployed only to try a studio draft (``engine.studio.trials``): only
        test cases start on it, and no lookup for real use (:func:`latest`, :func:`catalogue`) sees it.

    :raises DeploymentInvalid: listing every problem found.
    """
    parsed, report = validate_bundle(bundle, operations, known_groups, check_params, check_template)
    if parsed is None:
        raise DeploymentInvalid("El paquete tiene errores; no se desplegó nada.", errors=report.problems,
                                warnings=report.warnings)
    existing = db.session.scalar(
        select(Deployment).where(Deployment.key == parsed.key, Deployment.content_hash == bundle.content_hash)
    )
    if existing is not None:
        return DeployResult(existing, False, report.warnings)
    version = (db.session.scalar(select(func.max(Deployment.version)).where(Deployment.key == parsed.key)) or 0) + 1
    manifest: dict[str, Any] = {**bundle.manifest, "key": parsed.key, "name": parsed.name,
                                "message_starts": sorted(set(parsed.message_starts)),
                                "groups": sorted(parsed.groups)}
    deployment = Deployment(
        key=parsed.key,
        version=version,
        name=parsed.name,
        category=bundle.manifest.get("category"),
        content_hash=bundle.content_hash,
        manifest=manifest,
        spec=specs_to_dict(parsed.spec, parsed.subprocess_specs),
        processes=parsed.processes,
        warnings=report.warnings,
        deployed_by=actor,
        trial=trial,
        files=[DeploymentFile(name=name, content=content) for name, content in sorted(bundle.files.items())],
    )
    db.session.add(deployment)
    db.session.flush()
    audit.record("deployed", actor, data={"key": parsed.key, "version": version, "deployment": deployment.id,
                                          **({"trial": True} if trial else {})})
    return DeployResult(deployment, True, report.warnings)


#: What starting a case or showing a procedure reads of a version; the rest loads when read.
_LATEST_COLUMNS = load_only(Deployment.id, Deployment.key, Deployment.version, Deployment.name,
                            Deployment.category, Deployment.manifest, Deployment.trial)


def latest(key: str) -> Deployment:
    """The newest version of a process key, for real use: trial versions (a studio draft's) are never one.

    Only the columns a start reads are selected: the specs come from the cache keyed by
    deployment id, the forms from :func:`file`'s.

    :raises NotFound: when the key was never deployed (or only tried).
    """
    deployment = db.session.scalar(
        select(Deployment).options(_LATEST_COLUMNS).where(Deployment.key == key, Deployment.trial.is_(False))
        .order_by(Deployment.version.desc()).limit(1)
    )
    if deployment is None:
        raise NotFound(f"No hay ningún proceso desplegado con la clave «{key}».")
    return deployment


#: The largest version number a path may name (the column is a 32-bit integer everywhere).
MAX_VERSION = 2**31 - 1


def version(key: str, number: int) -> Deployment:
    """One version of a process key.

    :raises NotFound: when the key has no such version (a number past the column's range included).
    """
    if not 1 <= number <= MAX_VERSION:
        raise NotFound(f"El proceso «{key}» no tiene la versión {number}.")
    deployment = db.session.scalar(select(Deployment).where(Deployment.key == key, Deployment.version == number))
    if deployment is None:
        raise NotFound(f"El proceso «{key}» no tiene la versión {number}.")
    return deployment


def versions(key: str) -> list[Deployment]:
    return list(db.session.scalars(
        select(Deployment).where(Deployment.key == key).order_by(Deployment.version.desc())))


def catalogue() -> list[Deployment]:
    """The latest version of every deployed process key, by name (trials of studio drafts left out)."""
    newest = (select(Deployment.key, func.max(Deployment.version).label("v")).where(Deployment.trial.is_(False))
              .group_by(Deployment.key).subquery())
    return list(db.session.scalars(
        select(Deployment).join(newest, (Deployment.key == newest.c.key) & (Deployment.version == newest.c.v))
        .order_by(Deployment.name)))


class FileCache:
    """Files of deployed versions by ``(deployment id, name)``, bounded by their total size.

    A version never changes once deployed, so a file read once serves every later request
    (of any session) without reading the bundle again; ``None`` (no such file) is kept too.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._items: OrderedDict[tuple[str, str], bytes | None] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, deployment: Deployment, name: str) -> bytes | None:
        key = (deployment.id, name)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        content = _read_file(deployment, name)
        self._keep(key, content)
        return content

    def _keep(self, key: tuple[str, str], content: bytes | None) -> None:
        size = len(content or b"")
        if size > self._max_bytes:
            return
        with self._lock:
            if key not in self._items:
                self._items[key] = content
                self._bytes += size
            while self._bytes > self._max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped or b"")


def _read_file(deployment: Deployment, name: str) -> bytes | None:
    """One file's content: from the loaded files when they are, else by its key alone."""
    if "files" not in inspect(deployment).unloaded:
        return deployment.file(name)
    return db.session.scalar(select(DeploymentFile.content).where(
        DeploymentFile.deployment_id == deployment.id, DeploymentFile.name == name))


FILES = FileCache()


def file(deployment: Deployment, name: str) -> bytes | None:
    """A file of a deployed version (a form schema, a template); ``None`` when the bundle has none."""
    return FILES.get(deployment, name)
