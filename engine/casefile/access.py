"""Who may see a case (its data, timeline and documents): one rule for both web fronts.

- the person who started it (the citizen who owns the case), and their representative while a
  power of attorney in force covers the case's procedure (:mod:`engine.representation.powers`);
- staff of a group that has worked on it or holds one of its open tasks, and anyone who
  was assigned or completed one of its tasks;
- auditors and records managers (read only) and administrators.

Everyone else is told the case does not exist (404), never that it is someone else's.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from engine.db import db
from engine.errors import NotFound
from engine.identity.accounts import User
from engine.models import Instance, Task
from engine.representation import powers

READ_EVERYTHING = frozenset({"auditor", "archivist", "admin"})


def may_see(instance: Instance, user: User | None) -> bool:
    """Tell whether ``user`` may see ``instance``."""
    if user is None or not user.active:
        return False
    if user.role_set & READ_EVERYTHING:
        return True
    if instance.started_by == user.username:
        return True
    return _has_worked_on(instance.id, user.username, user.group_names) or represents(instance, user)


def represents(instance: Instance, user: User) -> bool:
    """Whether ``user`` acts for the case's applicant today, under a power covering its procedure."""
    return powers.covering(user.username, instance.started_by, instance.process_key) is not None


def _has_worked_on(instance_id: str, username: str, groups: Iterable[str]) -> bool:
    people = or_(Task.assignee == username, Task.completed_by == username)
    condition = or_(people, Task.candidate_group.in_(list(groups))) if groups else people
    return bool(db.session.scalar(select(exists().where(Task.instance_id == instance_id, condition))))


def visible_clause(user: User | None) -> ColumnElement[bool]:
    """:func:`may_see` as a WHERE clause on :class:`~engine.models.Instance`, for lists of cases."""
    if user is None or not user.active:
        return false()
    if user.role_set & READ_EVERYTHING:
        return true()
    people = or_(Task.assignee == user.username, Task.completed_by == user.username)
    groups = user.group_names
    condition = or_(people, Task.candidate_group.in_(groups)) if groups else people
    return or_(Instance.started_by == user.username, exists().where(Task.instance_id == Instance.id, condition))


def visible_numbers(numbers: Iterable[str], user: User | None) -> set[str]:
    """Which of the case ``numbers`` ``user`` may see (one query, for a list that links to cases)."""
    wanted = list(set(numbers))
    if not wanted:
        return set()
    found = select(Instance.number).where(Instance.number.in_(wanted), visible_clause(user))
    return set(db.session.scalars(found))


def visible_case(instance_id: str, user: User | None) -> Instance:
    """The case, when ``user`` may see it.

    :raises NotFound: when it does not exist or the user may not see it (same message).
    """
    instance = db.session.get(Instance, instance_id)
    if instance is None or not may_see(instance, user):
        raise NotFound("El expediente no existe.")
    return instance


def visible_case_by_number(number: str, user: User | None) -> Instance:
    """Like :func:`visible_case`, by case number (``HAB-2026-000012``)."""
    instance = db.session.scalar(select(Instance).where(Instance.number == number))
    if instance is None or not may_see(instance, user):
        raise NotFound("El expediente no existe.")
    return instance


def read_only(user: User) -> bool:
    """Auditors read every case and change nothing."""
    return bool({"auditor", "archivist"} & user.role_set) and not ({"admin", "staff", "supervisor"} & user.role_set)
