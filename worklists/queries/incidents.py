"""Incidents as the staff front lists them: failed steps of the cases a person may act on.

Staff see the incidents of cases their groups work on (open or past tasks); supervisors and
administrators see every one. Retrying is :func:`engine.background.jobs.retry_incident`, as the API does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select

from engine.db import db
from engine.models import Deployment, Incident, Instance, Task


@dataclass(frozen=True)
class IncidentRow:
    id: str
    case_number: str
    procedure: str
    element_id: str | None
    kind: str
    message: str
    status: str
    attempts: int
    created_at: datetime
    next_retry_at: datetime | None


def _of_groups(groups: Iterable[str]) -> object:
    return exists().where(Task.instance_id == Incident.instance_id, Task.candidate_group.in_(sorted(set(groups))))


def unresolved(groups: Iterable[str] | None, limit: int = 200) -> list[IncidentRow]:
    """Unresolved incidents, newest first; ``groups=None`` means every case."""
    query = (select(Incident.id, Instance.number, Deployment.name, Incident.element_id, Incident.kind,
                    Incident.message, Incident.status, Incident.attempts, Incident.created_at, Incident.next_retry_at)
             .join(Instance, Instance.id == Incident.instance_id)
             .join(Deployment, Deployment.id == Instance.deployment_id)
             .where(Incident.status != "resolved").order_by(Incident.created_at.desc()).limit(limit))
    if groups is not None:
        query = query.where(_of_groups(groups))  # type: ignore[arg-type]
    rows: Any = db.session.execute(query)
    return [IncidentRow(*row) for row in rows]


def may_retry(incident_id: str, groups: Iterable[str] | None) -> bool:
    """Whether the incident exists and is one of the cases the person may act on."""
    query = select(Incident.id).where(Incident.id == incident_id)
    if groups is not None:
        query = query.where(_of_groups(groups))  # type: ignore[arg-type]
    return db.session.scalar(query) is not None
