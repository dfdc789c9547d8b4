"""The tasks a start or a completion made ready, as the caller would find them next.

SpiffArena answers a completion with the next task; so does this API (``next_tasks``), which
spares the client the request that looks for it. Only tasks the caller may see are listed,
by the rules of ``GET /tasks`` and of the task actions: a ``read`` token (or ``admin``) sees
every task of a real case; a ``tasks`` token the ones it may work on (a group's, or the
applicant's tasks of a case it started).
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.api.auth import current_actor, current_scopes
from engine.api.v1.edge import Snapshot
from engine.models import Task
from engine.workflow import human_tasks


def visible(tasks: Iterable[Task]) -> list[Snapshot]:
    """Snapshots of the ready ``tasks`` the caller may see, oldest first (taken before the commit)."""
    actor = current_actor()
    scopes = current_scopes()
    shown = [task for task in tasks if task.status == "ready" and _may_see(task, actor, scopes)]
    shown.sort(key=lambda task: (task.created_at, task.id))
    return [Snapshot(task, "instance") for task in shown]


def _may_see(task: Task, actor: human_tasks.Actor, scopes: frozenset[str]) -> bool:
    if actor.admin:
        return True
    if "read" in scopes and not task.instance.is_test:
        return True
    if "tasks" not in scopes:
        return False
    return human_tasks.may_work_on(task, human_tasks.Actor(actor.name, any_group=True))
