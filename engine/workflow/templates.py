"""The files of a deployed version, as connectors read their templates from them.

Templates (certificates, notices) belong to the deployed version: the engine hands a
connector call the calling instance's deployment files (``facts["deployment_files"]``, a
read-only mapping of bundle-relative name → bytes), so nothing an analyst writes is read
from the server's disk, and a file changed on disk after deploying changes nothing.
A deployment never changes, so its files are cached by deployment id.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from engine.db import db
from engine.models import DeploymentFile, Instance

#: Where the facts of a connector call carry the files (``connectors.base.FILES_FACT``).
FILES_FACT = "deployment_files"
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
