"""Procedures that municipal staff start (``iniciado_por`` in the manifest), never citizens.

A manifest may name the staff groups whose members start the procedure::

    iniciado_por: [area_solicitante]

Such a procedure is listed in the public guide (it says who starts it) but has no citizen
start; members of those groups (and administrators) start it from their worklist. The
fronts ask this module who may start what, so the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.casefile import drafts
from engine.errors import NotFound
from engine.identity.accounts import User, group_title
from engine.models import Deployment, Instance
from engine.workflow import deployments, forms_io, instances
from engine.workflow.step import EngineContext
from engine.workflow.tasks import group_of_lane

MANIFEST_FIELD = "iniciado_por"


def starter_groups(deployment: Deployment) -> tuple[str, ...]:
    """The staff groups whose members start the procedure (empty: citizens start it)."""
    raw = (deployment.manifest or {}).get(MANIFEST_FIELD)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return ()
    return tuple(str(name).strip() for name in raw if str(name).strip())


def may_start(user: User | None, deployment: Deployment) -> bool:
    """Tell whether ``user`` may start ``deployment`` as staff: a member of one of its groups, or an admin."""
    groups = starter_groups(deployment)
    if not groups or user is None or not user.active:
        return False
    roles = user.role_set
    if "admin" in roles:
        return True
    return bool({"staff", "supervisor"} & roles) and bool(set(groups) & set(user.group_names))


def startable(user: User) -> list[Deployment]:
    """The latest version of every procedure ``user`` may start as staff, by name."""
    return [d for d in deployments.catalogue() if may_start(user, d)]


def procedure_for(user: User, key: str) -> Deployment:
    """The latest version of ``key`` when ``user`` may start it as staff.

    :raises NotFound: for an unknown key, a procedure citizens start, or one the user may not
        start (the same answer: nobody learns which procedures exist for other groups).
    """
    try:
        deployment = deployments.latest(key)
    except NotFound:
        deployment = None
    if deployment is None or not may_start(user, deployment):
        raise NotFound("No hay ningún trámite con esa clave que usted pueda iniciar.")
    return deployment


def starter_titles(deployment: Deployment) -> list[str]:
    """How people read the starter groups: the BPMN lane's name (``Área Solicitante``).

    A group with no lane in the model takes its catalogue name (``processes/groups.yaml``).
    """
    lanes = dict(_lane_names(deployment.spec or {}))
    titles = []
    for name in starter_groups(deployment):
        title = lanes.get(name)
        if title is None:
            title = group_title(name)
        titles.append(title)
    return titles


def _lane_names(stored: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(group, lane name)`` of every lane of a deployment's stored specs."""
    specs = [stored.get("spec") or {}, *(stored.get("subprocess_specs") or {}).values()]
    for spec in specs:
        for task_spec in (spec.get("task_specs") or {}).values():
            lane = task_spec.get("lane") if isinstance(task_spec, dict) else None
            if isinstance(lane, str) and lane.strip():
                yield group_of_lane(lane), lane.strip()


def start_case(ctx: EngineContext, user: User, deployment: Deployment, data: dict[str, Any]) -> Instance:
    """Start a procedure for a staff member with the start form's data and their uploaded files.

    The files the data refers to must be the person's own uploads for this procedure
    (:func:`engine.casefile.drafts.check_files`); they join the expediente as ``uploaded``
    documents before the first step runs (flushes, never commits).

    :raises NotFound: when the person may not start the procedure.
    :raises DataInvalid: with field errors (the form, or a file to upload again).
    """
    if not may_start(user, deployment):
        raise NotFound("No hay ningún trámite con esa clave que usted pueda iniciar.")
    scope = drafts.start_scope(deployment.key)
    uploads = drafts.check_files(user.id, scope, data)

    def file_documents(created: Instance) -> None:
        drafts.claim_files(created.id, uploads, user.username, scope, user.id,
                           schema=forms_io.start_form(deployment)[0])

    return instances.start_latest(ctx, deployment, data, user.username, on_created=file_documents)
