"""The files of a deployed version, as connectors read their templates from them.

Templates (certificates, notices) belong to the deployed version: the engine hands a
connector call the calling instance's deployment files (``facts["deployment_files"]``, a
read-only mapping of bundle-relative name → bytes), so nothing an analyst writes is read
from the server's disk, and a file changed on disk after deploying changes nothing.
A deployment never changes, so its files are cached by deployment id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from engine.db import db
from engine.errors import DataInvalid, NotFound, Unavailable
from engine.models import Deployment, DeploymentFile, Instance
from engine.workflow.validation.templates import CheckTemplate, preview_data

#: Where the facts of a connector call carry the files (``connectors.base.FILES_FACT``).
FILES_FACT = "deployment_files"
ENTRY_TEMPLATE = "template.html"
_CACHED_DEPLOYMENTS = 32


@lru_cache(maxsize=_CACHED_DEPLOYMENTS)
def deployment_files(deployment_id: str) -> Mapping[str, bytes]:
    """Every stored file of one deployment, read once (a deployment is immutable)."""
    rows = db.session.execute(
        select(DeploymentFile.name, DeploymentFile.content).where(DeploymentFile.deployment_id == deployment_id)
    ).all()
    return MappingProxyType({name: bytes(content) for name, content in rows})


def with_deployment_files(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of a connector call, plus the calling instance's deployment files.

    Facts written before the deployment id travelled with them (an old outbox message)
    find it through the instance; outside a process there are no files.
    """
    deployment_id = facts.get("deployment_id")
    if not deployment_id and facts.get("instance_id"):
        deployment_id = db.session.scalar(select(Instance.deployment_id).where(Instance.id == facts["instance_id"]))
    if not deployment_id:
        return dict(facts)
    return {**facts, FILES_FACT: deployment_files(str(deployment_id))}


#: ``preview_template(deployment_files, folder, sample_datos) -> pdf`` (the documents connector's).
PreviewTemplate = Callable[[Mapping[str, bytes], str, Mapping[str, Any]], bytes]


def template_folders(deployment: Deployment) -> list[str]:
    """The folders of a deployed version that hold a certificate template (``template.html``)."""
    suffix = "/" + ENTRY_TEMPLATE
    return sorted(item.name[: -len(suffix)] for item in deployment.files if item.name.endswith(suffix))


def preview(deployment: Deployment, folder: str, render: PreviewTemplate | None) -> bytes:
    """A deployed version's template rendered as an unsigned PDF with sample data from its forms.

    :raises NotFound: the version has no such template folder.
    :raises DataInvalid: the template does not render with the sample data (the message says why).
    :raises Unavailable: no renderer is configured.
    """
    if folder not in template_folders(deployment):
        raise NotFound(f"La versión {deployment.version} de «{deployment.key}» no tiene la plantilla «{folder}».")
    return preview_files(deployment_files(deployment.id), folder, render)


def folders_of(files: Mapping[str, bytes]) -> list[str]:
    """The folders of a bundle's ``files`` that hold a certificate template (``template.html``)."""
    suffix = "/" + ENTRY_TEMPLATE
    return sorted(name[: -len(suffix)] for name in files if name.endswith(suffix))


def preview_files(files: Mapping[str, bytes], folder: str, render: PreviewTemplate | None) -> bytes:
    """The template ``folder`` of a bundle's ``files`` (a version's, a studio draft's) as an unsigned
    PDF with sample data from its forms; raises as :func:`preview` does."""
    if folder not in folders_of(files):
        raise NotFound(f"No existe la plantilla «{folder}»: falta el archivo «{folder}/{ENTRY_TEMPLATE}».")
    if render is None:
        raise Unavailable("No hay un generador de documentos configurado para la vista previa.")
    try:
        return render(files, folder, preview_data(files, folder))
    except Exception as e:  # the connector's errors (a leaf we may not import) carry a Spanish message
        if getattr(e, "status", 500) == 404:
            raise NotFound(str(getattr(e, "message", e))) from e
        raise DataInvalid("La plantilla no se pudo generar con datos de ejemplo: "
                          f"{getattr(e, 'message', None) or type(e).__name__}") from e


def check_files(files: Mapping[str, bytes], folder: str, check: CheckTemplate | None) -> list[dict[str, Any]]:
    """The deploy-time check of the template ``folder`` of a bundle's ``files``, with the data a
    preview renders with: ``[{"file", "line", "message", "level"}]`` in Spanish.

    :raises NotFound: no such template folder.
    :raises Unavailable: no template check is configured.
    """
    if folder not in folders_of(files):
        raise NotFound(f"No existe la plantilla «{folder}»: falta el archivo «{folder}/{ENTRY_TEMPLATE}».")
    if check is None:
        raise Unavailable("No hay un generador de documentos configurado para revisar la plantilla.")
    return check(files, folder, preview_data(files, folder), False)
