"""The staff's inboxes: a group's open tasks or one person's, filtered, sorted and paged.

Reads only the task index (and the case number and procedure name beside it), never a
workflow. Pages are offset pages of ``per_page`` rows read one row further, so that no page
counts the whole backlog; the counts per group are one grouped index scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select

from engine.db import db
from engine.models import Deployment, Instance, Task
from engine.workflow import testcases

MINE = "mias"
STATES = ("sin_asignar", "asignadas", "mias")
SORTS = ("vencimiento", "prioridad", "antiguedad", "expediente")
PER_PAGE = 25


@dataclass(frozen=True)
class InboxQuery:
    """What an inbox shows: whose tasks, which ones, in what order, which page.

    :param box: a group name, or :data:`MINE` for the person's own tasks.
    :param state: ``sin_asignar``, ``asignadas``, ``mias`` or empty for all.
    :param due_before: tasks due before this moment.
    :param priority: tasks with at least this priority.
    :param text: part of the case number, the task's name or the procedure.
    """

    box: str
    procedure: str = ""
    state: str = ""
    due_before: datetime | None = None
    overdue: bool = False
    priority: int | None = None
    text: str = ""
    sort: str = "vencimiento"
    descending: bool = False
    page: int = 1
    per_page: int = PER_PAGE

    def at_page(self, page: int) -> InboxQuery:
        return replace(self, page=max(1, page))


@dataclass(frozen=True)
class InboxRow:
    """One task as an inbox line."""

    id: str
    name: str
    case_number: str
    procedure: str
    process_key: str
    group: str | None
    assignee: str | None
    priority: int
    due_at: datetime | None
    created_at: datetime

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    page: int
    has_next: bool


def statement(query: InboxQuery, user: str, now: datetime) -> Any:
    """The SELECT of one page (exposed for the benchmark's EXPLAIN)."""
    found = (select(Task.id, Task.name, Instance.number, Deployment.name, Task.process_key, Task.candidate_group,
                    Task.assignee, Task.priority, Task.due_at, Task.created_at)
             .join(Instance, Instance.id == Task.instance_id)
             .join(Deployment, Deployment.id == Instance.deployment_id)
             .where(Task.status == "ready", testcases.real_instances()))
    # A citizen's own task has no group: only "Mis tareas" must leave them out explicitly.
    found = (found.where(Task.assignee == user, Task.for_applicant.is_(False)) if query.box == MINE
             else found.where(Task.candidate_group == query.box))
    found = _filtered(found, query, user, now)
    order = _order(query.sort, query.descending)
    offset = (query.page - 1) * query.per_page
    return found.order_by(*order, Task.id).limit(query.per_page + 1).offset(offset)


def _order(sort: str, descending: bool) -> list[Any]:
    """The ORDER BY of a sort; tasks without a due date always last."""
    due = Task.due_at.desc() if descending else Task.due_at.asc()
    if sort == "prioridad":
        return [Task.priority.asc() if descending else Task.priority.desc(), Task.due_at.asc().nulls_last()]
    if sort == "antiguedad":
        return [Task.created_at.desc() if descending else Task.created_at.asc()]
    if sort == "expediente":
        return [Instance.number.desc() if descending else Instance.number.asc()]
    return [due.nulls_last()]


def _filtered(found: Any, query: InboxQuery, user: str, now: datetime) -> Any:
    if query.procedure:
        found = found.where(Task.process_key == query.procedure)
    if query.state == "sin_asignar":
        found = found.where(Task.assignee.is_(None))
    elif query.state == "asignadas":
        found = found.where(Task.assignee.is_not(None))
    elif query.state == MINE:
        found = found.where(Task.assignee == user)
    if query.overdue:
        found = found.where(Task.due_at < now)
    if query.due_before is not None:
        found = found.where(Task.due_at < query.due_before)
    if query.priority is not None:
        found = found.where(Task.priority >= query.priority)
    if query.text.strip():
        pattern = "%" + _escape(query.text.strip().lower()) + "%"
        found = found.where(or_(*(func.lower(cast(c, String)).like(pattern, escape="\\")
                                  for c in (Instance.number, Task.name, Deployment.name))))
    return found


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def page(query: InboxQuery, user: str, now: datetime) -> InboxPage:
    """One page of the inbox.

    :param query: whose tasks, filters, order and page.
    :param user: the person's user name (for "Mis tareas" and the ``mias`` state).
    :param now: what "overdue" is measured against.
    :return: the rows of the page and whether another page follows.
    """
    rows = [InboxRow(*r) for r in db.session.execute(statement(query, user, now))]
    return InboxPage(rows[:query.per_page], query.page, len(rows) > query.per_page)


def counts(groups: Iterable[str], user: str) -> dict[str, int]:
    """Open tasks per group, and the person's own under :data:`MINE`.

    :param groups: the groups whose inboxes the person sees.
    :param user: the person's user name.
    :return: group (or :data:`MINE`) -> number of open tasks.
    """
    wanted = sorted(set(groups))
    found = {g: 0 for g in wanted}
    if wanted:
        rows = db.session.execute(
            select(Task.candidate_group, func.count()).where(Task.status == "ready", Task.candidate_group.in_(wanted),
                                                            testcases.real_tasks())
            .group_by(Task.candidate_group))
        found.update({str(group): int(n) for group, n in rows})
    found[MINE] = db.session.scalar(select(func.count()).select_from(Task)
                                    .where(Task.status == "ready", Task.assignee == user,
                                           Task.for_applicant.is_(False), testcases.real_tasks())) or 0
    return found


def groups_with_open_tasks() -> list[str]:
    """Every group that has open tasks (what an administrator's inboxes are)."""
    return list(db.session.scalars(select(Task.candidate_group).where(Task.status == "ready",
                                                                      Task.candidate_group.is_not(None),
                                                                      testcases.real_tasks())
                                   .distinct().order_by(Task.candidate_group)))


def procedures() -> list[tuple[str, str]]:
    """``(key, name)`` of every deployed procedure (its latest name), for the filter."""
    latest = (select(Deployment.key, func.max(Deployment.version).label("version"))
              .where(Deployment.trial.is_(False)).group_by(Deployment.key).subquery())
    rows = db.session.execute(select(Deployment.key, Deployment.name)
                              .join(latest, (Deployment.key == latest.c.key) & (Deployment.version == latest.c.version))
                              .where(Deployment.trial.is_(False))
                              .order_by(Deployment.key))
    return [(key, name) for key, name in rows]
