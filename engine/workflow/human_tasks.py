"""Task use cases: claim, release and assign human tasks; what completing one needs (see ``completion``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Select, String, bindparam, or_, select, update
from sqlalchemy.orm import defer, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from engine import audit
from engine.db import db, savepoint
from engine.errors import Conflict, DataInvalid, EngineError, Forbidden, NotFound
from engine.identity.accounts import User, memberships
from engine.models import Deployment, Instance, Task
from engine.workflow import indexing
from engine.workflow.instances import ensure_active
from engine.workflow.step import EngineContext, Step

#: Who may be given a group's task (administrators too: they may hold any).
STAFF_ROLES = frozenset({"staff", "supervisor", "admin"})

@dataclass(frozen=True)
class Actor:
    """Who acts: a person or a service account, with their groups and powers."""

    name: str
    groups: frozenset[str] = field(default_factory=frozenset)
    admin: bool = False
    supervisor: bool = False
    #: A service account that acts on any group's task (an API ``tasks`` token), never on a
    #: task of no group nor on an applicant's: as if it belonged to the task's group.
    any_group: bool = False


# One SELECT for the task, its instance and deployment; the deployment's large parts (the spec
# column, every file of the bundle) load only when used: a form to read, specs not cached yet.
_TASK_WITH_INSTANCE = (
    joinedload(Task.instance).joinedload(Instance.deployment).options(defer(Deployment.spec),
                                                                      lazyload(Deployment.files)),
)


def get(task_id: str) -> Task:
    task = db.session.get(Task, task_id, options=_TASK_WITH_INSTANCE)
    if task is None:
        raise NotFound("La tarea no existe.")
    return task


def _get_to_complete(task_id: str) -> Task:
    """The task as :func:`get` loads it, with its case's index rows read in the same statement
    (kept for the step that completes it: see :func:`engine.workflow.indexing.remember`)."""
    row = db.session.execute(_task_to_complete(), {"task_id": task_id}).first()
    if row is None:
        raise NotFound("La tarea no existe.")
    task = cast(Task, row[0])
    indexing.remember(task.instance_id, row[1], row[2])
    return task


@cache
def _task_to_complete() -> Select[Any]:
    """Built once: every completion runs it, and building it costs more than running it."""
    ready, subscriptions = indexing.index_columns()
    return (select(Task, ready, subscriptions).options(*_TASK_WITH_INSTANCE)
            .where(Task.id == bindparam("task_id", type_=String)))


def may_work_on(task: Task, actor: Actor) -> bool:
    """Whether the actor may see and act on the task (others get 404, never a hint)."""
    if actor.admin:
        return True
    if task.instance.is_test:  # the analyst who started it plays every role; no one else is involved
        return task.instance.started_by == actor.name
    if task.for_applicant:
        return task.instance.started_by == actor.name
    return task.assignee == actor.name or (task.candidate_group is not None
                                           and (actor.any_group or task.candidate_group in actor.groups))


def _ready(task: Task) -> None:
    if task.status != "ready":
        raise Conflict("La tarea ya fue completada o cancelada.")
    ensure_active(task.instance)


def claim(task_id: str, actor: Actor) -> Task:
    """Take a ready task; of several claims at once exactly one wins.

    The assignee is set by one conditional UPDATE (still ready, still free or already the
    actor's), so the database decides the race: PostgreSQL re-checks the condition after the
    winner commits, SQLite serializes writers. A claim that changed no row lost it.

    :raises NotFound: when the task does not exist or the actor may not see it.
    :raises Conflict: when the task is no longer ready or someone else holds it.
    """
    task = get(task_id)
    if not may_work_on(task, actor):
        raise NotFound("La tarea no existe.")
    _ready(task)
    if task.assignee and task.assignee != actor.name:
        raise Conflict(f"La tarea ya fue tomada por {task.assignee}.")
    # The event first: sealing it locks the case's row before the UPDATE locks the task's, in the
    # order a step takes them (case row, then its task rows), so the two never wait in a circle.
    # A claim that loses rolls back, event and all.
    audit.record("task_claimed", actor.name, instance_id=task.instance_id, task_id=task.id, element_id=task.element_id)
    db.session.flush()
    taken = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status == "ready",
               or_(Task.assignee.is_(None), Task.assignee == actor.name))
        .values(assignee=actor.name)
        .execution_options(synchronize_session=False))
    if cast(CursorResult[Any], taken).rowcount != 1:
        raise _lost_claim(task.id)
    set_committed_value(task, "assignee", actor.name)
    return task


def _lost_claim(task_id: str) -> Conflict:
    """The refusal of a claim another one won meanwhile, naming what the task is now."""
    now = db.session.execute(select(Task.status, Task.assignee).where(Task.id == task_id)).first()
    if now is None or now.status != "ready":
        return Conflict("La tarea ya fue completada o cancelada.")
    if now.assignee:
        return Conflict(f"La tarea ya fue tomada por {now.assignee}.")
    return Conflict("Otra persona tomó y liberó la tarea al mismo tiempo; vuelva a intentarlo.")


def unclaim(task_id: str, actor: Actor) -> Task:
    task = get(task_id)
    if not may_work_on(task, actor):
        raise NotFound("La tarea no existe.")
    _ready(task)
    if task.for_applicant:
        raise Conflict("Las tareas del solicitante no se pueden liberar.")
    if task.assignee != actor.name and not (actor.admin or actor.supervisor):
        raise Forbidden("Solo quien tomó la tarea o un supervisor puede liberarla.")
    task.assignee = None
    audit.record("task_released", actor.name, instance_id=task.instance_id, task_id=task.id,
                 element_id=task.element_id)
    db.session.flush()
    return task


def assign(task_id: str, assignee: str, actor: Actor) -> Task:
    """Give the task to a person who may hold it (supervisors, administrators, ``tasks`` tokens).

    :raises DataInvalid: when the person is not active staff of the task's group (a citizen,
        a name nobody has, someone of another group), or the task is the applicant's.
    """
    task = get(task_id)
    if not may_work_on(task, actor) and not actor.supervisor:
        raise NotFound("La tarea no existe.")
    _ready(task)
    if not (actor.admin or actor.supervisor):
        raise Forbidden("Solo un supervisor puede asignar tareas a otra persona.")
    if not may_hold(task, assignee):
        raise DataInvalid(f"«{assignee}» no puede tener esta tarea: no es personal activo de su grupo.",
                          errors=[{"pointer": "/assignee", "message": "Elija a alguien del personal del grupo."}])
    before = task.assignee
    task.assignee = assignee
    audit.record("task_assigned", actor.name, instance_id=task.instance_id, task_id=task.id,
                 element_id=task.element_id, data={"before": before, "after": assignee})
    db.session.flush()
    return task


def may_hold(task: Task, username: str) -> bool:
    """Whether ``username`` is active staff who may be given the task (its group's, when it has one)."""
    if task.for_applicant:
        return False
    person = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if person is None or not STAFF_ROLES & person.role_set:
        return False
    if "admin" in person.role_set or task.candidate_group is None:
        return True
    return task.candidate_group in person.group_names


def workable(task_id: str, actor: Actor) -> Task:
    """The task, when the actor may complete it now.

    :raises NotFound: when the task does not exist or the actor may not see it.
    :raises Conflict: when it is no longer ready, or it is assigned to someone else.
    """
    task = _get_to_complete(task_id)
    if not may_work_on(task, actor):
        raise NotFound("La tarea no existe.")
    _ready(task)
    if task.assignee and task.assignee != actor.name and not actor.admin:
        raise Conflict(f"La tarea está asignada a {task.assignee}.")
    return task


def finish(ctx: EngineContext, task: Task, data: dict[str, Any], actor: Actor) -> Task:
    """Mark a workable task completed with data already validated, and run the process on.

    Only :func:`engine.workflow.completion.complete_task` calls this: it validates first.

    :raises Conflict: when another completion won meanwhile.
    """
    step = Step(task.instance, ctx, actor.name)
    spiff_task = step.workflow.get_task_from_id(UUID(task.id))
    audit.record("task_completed", actor.name, instance_id=task.instance_id, task_id=task.id,
                 element_id=task.element_id, data={"submitted": data})
    task.status = "completed"
    task.completed_at = ctx.now()
    task.completed_by = actor.name
    step.complete(spiff_task, data)
    step.save()
    return task


def search(*, group: str | None = None, assignee: str | None = None, status: str = "ready",
           process_key: str | None = None) -> Any:
    """A select of tasks with the given filters (the caller pages and sorts)."""
    query = select(Task).where(Task.status == status)
    if group:
        query = query.where(Task.candidate_group == group)
    if assignee:
        query = query.where(Task.assignee == assignee)
    if process_key:
        query = query.where(Task.process_key == process_key)
    return query


def colleagues(group: str) -> list[User]:
    """The active people of a group, by name: whom a supervisor may give the group's tasks."""
    return list(db.session.scalars(
        select(User).join(memberships, memberships.c.user_id == User.id)
        .where(memberships.c.group_name == group, User.active.is_(True)).order_by(User.display_name)))


def assign_to_colleague(task_id: str, assignee: str, actor: Actor) -> Task:
    """Give a task to a person of its group (supervisors of that group and administrators).

    :raises NotFound: when the task does not exist or the actor may not see it.
    :raises Forbidden: when the actor is not a supervisor, or the person is not of the task's group.
    :raises Conflict: when the task is no longer open.
    """
    task = get(task_id)
    if not may_work_on(task, actor):
        raise NotFound("La tarea no existe.")
    if not (actor.admin or actor.supervisor):
        raise Forbidden("Solo un supervisor puede asignar tareas a otra persona.")
    if task.candidate_group is None or assignee not in {u.username for u in colleagues(task.candidate_group)}:
        raise Forbidden(f"{assignee} no integra el grupo de la tarea.")
    return assign(task_id, assignee, actor)


@dataclass(frozen=True)
class Outcome:
    """What happened to one task of a bulk action: ``error`` is ``None`` when it worked."""

    task_id: str
    error: str | None = None


def bulk(task_ids: list[str], action: Any) -> list[Outcome]:
    """Apply ``action(task_id)`` to each task; a refusal of one never undoes the others.

    Each task's use case runs in a savepoint, so a refused one leaves nothing of its own behind
    (a claim that lost its race has already recorded its event) and the caller commits the ones
    that worked.

    :param task_ids: the tasks, each acted on once in the order given.
    :param action: a use case of one task (:func:`claim`, :func:`unclaim`, :func:`assign_to_colleague`).
    :return: one outcome per task, with the refusal's message when it failed.
    """
    outcomes = []
    for task_id in dict.fromkeys(task_ids):  # each once, in the order given
        try:
            with savepoint():
                action(task_id)
            outcomes.append(Outcome(task_id))
        except EngineError as e:
            outcomes.append(Outcome(task_id, e.message))
    return outcomes
