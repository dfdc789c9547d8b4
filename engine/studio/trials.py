"""Trying a studio draft: a trial deployment that only test cases start on.

A draft is tried as a version of its own process key, ``<key>__prueba_<draft id>`` (the
draft's BPMN process id rewritten to it), deployed with ``Deployment.trial`` set:

- the real key never sees it: its version numbers, :func:`engine.workflow.deployments.latest`
  and every start for real use (the guide, the portal, the staff's start, the API) go on as if
  the draft had never been tried;
- :func:`engine.workflow.deployments.catalogue` and :func:`~engine.workflow.deployments.latest`
  leave trial versions out, so the trial key is nowhere to be found for real use either, and
  :func:`engine.workflow.instances.start_deployment` refuses a real case on a trial version;
- trying an unchanged draft again reuses its trial version (same content, same version), a
  changed one deploys the next trial version of the same trial key.

The test cases themselves are the test mode's (:mod:`engine.workflow.testcases`): numbered
``PRUEBA-…``, with their own clock, out of every inbox and figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.db import db
from engine.errors import Conflict, DataInvalid
from engine.models import Deployment, Instance, StudioDraft
from engine.studio import drafts
from engine.workflow import deployments
from engine.workflow.bundles import Bundle
from engine.workflow.validation import CheckParams
from engine.workflow.validation.templates import CheckTemplate

#: What joins a draft's key and its id in the trial key (no real key is expected to hold it).
MARK = "__prueba_"
#: The longest process key the tables hold.
MAX_KEY = 100
#: The attributes of a BPMN file whose value may be the process id (the process itself, a pool's
#: process, a call activity, the diagram's plane).
_REFERENCES = ("id", "processRef", "calledElement", "bpmnElement")


def trial_key(draft: StudioDraft) -> str:
    """The process key a draft is tried as.

    :raises DataInvalid: when the draft's key is too long to carry the mark.
    """
    key = f"{draft.key}{MARK}{draft.id}"
    if len(key) > MAX_KEY:
        raise DataInvalid(f"La clave «{draft.key}» es demasiado larga para probar el borrador: "
                          f"acórtela a {MAX_KEY - len(MARK) - len(str(draft.id))} caracteres.")
    return key


def trial_bundle(draft: StudioDraft) -> Bundle:
    """The draft's bundle with its process key changed to :func:`trial_key` (BPMN and manifest)."""
    bundle = drafts.bundle_of(draft)
    return rekeyed(bundle, str(bundle.manifest.get("key") or draft.key), trial_key(draft))


def rekeyed(bundle: Bundle, old: str, new: str) -> Bundle:
    """The bundle with process ``old`` renamed ``new`` in every BPMN file and in the manifest."""
    pattern = re.compile(r'(\b(?:' + "|".join(_REFERENCES) + r')\s*=\s*)(["\'])' + re.escape(old) + r'\2')
    files: dict[str, bytes] = {}
    for name, content in bundle.files.items():
        if name.endswith(".bpmn"):
            text = content.decode("utf-8")
            content = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{new}{m.group(2)}", text).encode("utf-8")
        files[name] = content
    manifest: Mapping[str, Any] = {**bundle.manifest, "key": new} if bundle.manifest else {}
    return Bundle(files=files, manifest=manifest)


def deploy(draft: StudioDraft, actor: str, operations: frozenset[str],
           known_groups: Callable[[], set[str]] | None = None, check_params: CheckParams | None = None,
           check_template: CheckTemplate | None = None) -> deployments.DeployResult:
    """Deploy the draft as a trial version (the same validation as a real deploy).

    :raises DeploymentInvalid: listing every problem, as a real deploy does.
    :raises Conflict: when a real procedure was deployed under the trial key.
    """
    key = trial_key(draft)
    real = db.session.scalar(select(func.count()).select_from(Deployment)
                             .where(Deployment.key == key, Deployment.trial.is_(False)))
    if real:
        raise Conflict(f"Ya hay un trámite real con la clave «{key}»; no se puede probar este borrador.")
    return deployments.deploy(trial_bundle(draft), actor, operations, known_groups, check_params, check_template,
                              trial=True)


def versions_of(draft: StudioDraft) -> list[Deployment]:
    """The draft's trial versions, newest first (empty when the key is too long to try)."""
    try:
        key = trial_key(draft)
    except DataInvalid:
        return []
    return list(db.session.scalars(select(Deployment).where(Deployment.key == key, Deployment.trial.is_(True))
                                   .order_by(Deployment.version.desc())))


def case_counts(found: list[Deployment]) -> dict[str, int]:
    """How many test cases each of these versions has, by deployment id."""
    if not found:
        return {}
    rows = db.session.execute(select(Instance.deployment_id, func.count()).where(
        Instance.deployment_id.in_([d.id for d in found]), Instance.is_test.is_(True))
        .group_by(Instance.deployment_id))
    return {str(deployment_id): int(count) for deployment_id, count in rows}


def draft_id_of(deployment: Deployment) -> int | None:
    """The draft a trial version was deployed from (``None`` for a real version)."""
    if not deployment.trial:
        return None
    _key, mark, number = deployment.key.rpartition(MARK)
    return int(number) if mark and number.isdigit() else None


def waiting_elements(instance: Instance) -> list[str]:
    """The ids of what the case waits at besides its tasks: timers, messages, an event gateway's events.

    Read from the stored state (tasks of the process and its subprocesses in the ``WAITING`` state);
    the engine's own tasks (``Start``, ``…EndJoin``) have no element on the diagram, which ignores them.
    """
    state = instance.state or {}
    found: list[str] = []
    for part in [state, *(state.get("subprocesses") or {}).values()]:
        for task in (part.get("tasks") or {}).values() if isinstance(part, dict) else []:
            name = task.get("task_spec") if isinstance(task, dict) else None
            if task.get("state") == TaskState.WAITING and isinstance(name, str):
                found.append(name)
    return list(dict.fromkeys(found))
