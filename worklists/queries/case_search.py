"""The case search of auditors and supervisors: cases by number, procedure, applicant, dates, state.

Reads the instance rows (with the procedure's name and the applicant's account beside them),
never a workflow. Only the cases the person may see are found (:func:`engine.casefile.access.visible_clause`,
the case view's own rule), so a supervisor finds their groups' cases and an auditor every one.
Pages are offset pages read one row further, as the inboxes'.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from engine.casefile.access import visible_clause
from engine.db import db
from engine.identity.accounts import User
from engine.models import Deployment, Instance
from engine.workflow import testcases

PER_PAGE = 25
#: What the state filter offers: a state of the form -> the instance statuses it finds.
STATES: dict[str, tuple[str, ...]] = {
    "en_tramite": ("running", "waiting"),
    "con_incidente": ("error",),
    "suspendido": ("suspended",),
    "finalizado": ("completed",),
    "terminado": ("terminated",),
}


@dataclass(frozen=True)
class CaseQuery:
    """What to look for; every field empty finds every case the person may see.

    :param number: part of the case number.
    :param procedure: a procedure's key.
    :param person: part of the applicant's user name, name, e-mail, DNI or CUIL.
    :param since: cases started on this day or later (the city's calendar).
    :param until: cases started on this day or earlier.
    :param state: one of :data:`STATES`.
    """

    number: str = ""
    procedure: str = ""
    person: str = ""
    since: date | None = None
    until: date | None = None
    state: str = ""
    page: int = 1
    per_page: int = PER_PAGE

    def at_page(self, page: int) -> CaseQuery:
        return replace(self, page=max(1, page))


@dataclass(frozen=True)
class CaseRow:
    """One case as a line of the results."""

    number: str
    procedure: str
    applicant: str
    applicant_name: str | None
    status: str
    created_at: datetime


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    page: int
    has_next: bool


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)


def _filtered(found: Any, query: CaseQuery, zone: ZoneInfo) -> Any:
    if query.number.strip():
        found = found.where(func.lower(Instance.number).like(_like(query.number), escape="\\"))
    if query.procedure:
        found = found.where(Instance.process_key == query.procedure)
    if query.person.strip():
        pattern = _like(query.person)
        found = found.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in
                                  (Instance.started_by, User.display_name, User.email, User.dni, User.cuil))))
    if query.since is not None:
        found = found.where(Instance.created_at >= _start_of(query.since, zone))
    if query.until is not None:
        found = found.where(Instance.created_at < _start_of(query.until + timedelta(days=1), zone))
    if query.state in STATES:
        found = found.where(Instance.status.in_(STATES[query.state]))
    return found


def page(query: CaseQuery, viewer: User, zone: ZoneInfo) -> CasePage:
    """One page of the cases ``viewer`` may see that match ``query``, newest first.

    :param zone: the city's time zone, in which the days of the date range begin and end.
    """
    found = (select(Instance.number, Deployment.name, Instance.started_by, User.display_name, Instance.status,
                    Instance.created_at)
             .join(Deployment, Deployment.id == Instance.deployment_id)
             .outerjoin(User, User.username == Instance.started_by)
             .where(testcases.real_instances(), visible_clause(viewer)))
    found = _filtered(found, query, zone)
    offset = (query.page - 1) * query.per_page
    rows = [CaseRow(*r) for r in db.session.execute(
        found.order_by(Instance.created_at.desc(), Instance.number.desc()).limit(query.per_page + 1).offset(offset))]
    return CasePage(rows[:query.per_page], query.page, len(rows) > query.per_page)
