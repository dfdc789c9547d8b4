"""The state-like figures, read from the database at each scrape.

Backlogs, inboxes, timers, incidents, the outbox and the stored documents are a state of the
database, not events of one process: counting them here, one grouped query each, gives the
same answer whichever gunicorn worker serves the scrape. Test cases are left out, as from every
other figure. The database's and the document store's health are checked at the same time
(``tramites_dependency_up``); while the database is down the other figures are simply absent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from engine.casefile.expediente import KINDS
from engine.casefile.models import PendingUpload
from engine.db import db
from engine.health import Check, run_checks
from engine.identity.accounts import Group
from engine.models import Certificate, Deployment, Document, Incident, Instance, Task
from engine.workflow import testcases
from engine.workflow.outbox import OutboxMessage

log = logging.getLogger(__name__)

#: A timer this long past its time and still not fired is late: the background work is stuck.
LATE_TIMER = timedelta(minutes=5)
OPEN_STATES = ("running", "waiting", "error", "suspended")
ACTIVE_STATES = ("running", "waiting")
HEALTH = ("database", "storage")
Families = list[GaugeMetricFamily]


class StateCollector(Collector):
    """The database's figures at ``now()``, and the health of the database and the document store."""

    def __init__(self, now: Callable[[], datetime], checks: Mapping[str, Check | None],
                 targets: Mapping[str, str]) -> None:
        self.now = now
        self.checks = {name: checks.get(name) for name in HEALTH}
        self.targets = targets

    def collect(self) -> Iterator[GaugeMetricFamily]:
        results = {r.name: r.ok for r in run_checks(self.checks, self.targets)}
        up = GaugeMetricFamily("tramites_dependency_up", "1 when the dependency answers, 0 when it does not.",
                               labels=["dependency"])
        for name in HEALTH:
            up.add_metric([name], 1.0 if results.get(name) else 0.0)
        yield up
        if not results.get("database"):
            return
        try:
            yield from from_database(self.now())
        except SQLAlchemyError as e:  # the database went away mid-scrape: the probe's figure stays
            log.warning("metrics: the database failed while counting: %r", e)
        finally:
            db.session.rollback()  # a scrape only reads: end its transaction, whatever happened


def known_procedures() -> list[str]:
    """The keys of the procedures deployed for real (a studio trial's are not)."""
    return list(db.session.scalars(select(Deployment.key).where(Deployment.trial.is_(False)).distinct()
                                   .order_by(Deployment.key)))


def from_database(now: datetime) -> Families:
    """Every figure the database holds, at ``now``."""
    procedures = known_procedures()
    return [_cases(), _incidents(procedures), _timers(now), *_outbox(now), *_inboxes(now), *_documents()]


def _family(name: str, text: str, labels: list[str], rows: Any) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=labels)
    for *values, count in rows:
        family.add_metric([str(v) for v in values], float(count or 0))
    return family


def _cases() -> GaugeMetricFamily:
    rows = db.session.execute(
        select(Instance.process_key, Instance.status, func.count())
        .where(testcases.real_instances(), Instance.status.in_(OPEN_STATES))
        .group_by(Instance.process_key, Instance.status))
    return _family("tramites_open_cases", "Cases not finished, by procedure and state (the backlog).",
                   ["procedure", "status"], rows)


def _incidents(procedures: list[str]) -> GaugeMetricFamily:
    found = {(key, status): count for key, status, count in db.session.execute(
        select(Instance.process_key, Incident.status, func.count())
        .join(Instance, Instance.id == Incident.instance_id)
        .where(testcases.real_instances(), Incident.status.in_(("open", "retrying")))
        .group_by(Instance.process_key, Incident.status))}
    keys = sorted(set(procedures) | {key for key, _status in found})
    rows = [(key, status, found.get((key, status), 0)) for key in keys for status in ("open", "retrying")]
    return _family("tramites_incidents", "Incidents not resolved, by procedure: open (waiting for staff) or "
                   "retrying (automatic retries left).", ["procedure", "status"], rows)


def _timers(now: datetime) -> GaugeMetricFamily:
    due = Instance.next_timer_at <= now
    late = Instance.next_timer_at <= now - LATE_TIMER
    row = db.session.execute(
        select(func.sum(case((due, 1), else_=0)), func.sum(case((late, 1), else_=0)))
        .where(testcases.real_instances(), Instance.status.in_(ACTIVE_STATES),
               Instance.next_timer_at.is_not(None))).one()
    family = GaugeMetricFamily("tramites_timers", "Cases whose next timer is due (state=due), and those more "
                               f"than {int(LATE_TIMER.total_seconds() // 60)} minutes past it (state=late).",
                               labels=["state"])
    family.add_metric(["due"], float(row[0] or 0))
    family.add_metric(["late"], float(row[1] or 0))
    return family


def _outbox(now: datetime) -> Families:
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(("pending", "failed"))).group_by(OutboxMessage.status))
    found = {status: (count, oldest) for status, count, oldest in rows}
    messages = GaugeMetricFamily("tramites_outbox_messages", "Outbox messages waiting to leave (pending) or "
                                 "given up after their last attempt (failed).", labels=["status"])
    for status in ("pending", "failed"):
        messages.add_metric([status], float(found.get(status, (0, None))[0]))
    oldest = found.get("pending", (0, None))[1]
    age = GaugeMetricFamily("tramites_outbox_oldest_pending_seconds",
                            "Age of the oldest message still waiting in the outbox (0 when none waits).")
    age.add_metric([], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
    return [messages, age]


def _inboxes(now: datetime) -> Families:
    claimed = case((Task.assignee.is_not(None), "true"), else_="false")
    overdue = func.sum(case((Task.due_at < now, 1), else_=0))
    rows = db.session.execute(
        select(Task.candidate_group, claimed, func.count(), overdue)
        .where(Task.status == "ready", Task.candidate_group.is_not(None), testcases.real_tasks())
        .group_by(Task.candidate_group, claimed)).all()
    sizes = GaugeMetricFamily("tramites_inbox_tasks", "Open staff tasks by group, taken by someone or not.",
                              labels=["group", "claimed"])
    counted = {(group, taken): (float(count), float(behind or 0)) for group, taken, count, behind in rows}
    groups = sorted(set(db.session.scalars(select(Group.name))) | {group for group, _taken in counted})
    late: dict[str, float] = {}
    for group in groups:
        for taken in ("false", "true"):
            count, behind = counted.get((group, taken), (0.0, 0.0))
            sizes.add_metric([group, taken], count)
            late[group] = late.get(group, 0.0) + behind
    breaches = GaugeMetricFamily("tramites_inbox_overdue_tasks", "Open staff tasks past their due date "
                                 "(service-level breaches), by group.", labels=["group"])
    for group, count in sorted(late.items()):
        breaches.add_metric([group], count)
    return [sizes, breaches]


def _documents() -> Families:
    documents = db.session.execute(select(Document.kind, func.count(), func.sum(Document.size))
                                   .group_by(Document.kind)).all()
    certificates = db.session.execute(select(func.count(), func.sum(Certificate.size))).one()
    pending = db.session.execute(select(func.count(), func.sum(PendingUpload.size))
                                 .where(PendingUpload.released_at.is_(None))).one()
    by_kind = {kind: count for kind, count, _size in documents}
    counts = _family("tramites_documents", "Documents in case files, by kind (uploaded, attached, generated, "
                     "signed).", ["kind"], [(kind, by_kind.get(kind, 0)) for kind in sorted({*KINDS, *by_kind})])
    counts_pending = GaugeMetricFamily("tramites_pending_uploads",
                                       "Files uploaded for forms not handed in yet (new cases, drafts).")
    counts_pending.add_metric([], float(pending[0] or 0))
    size = GaugeMetricFamily("tramites_storage_bytes", "Bytes the document store holds for case files' documents, "
                             "certificates and pending uploads.", labels=["what"])
    size.add_metric(["documents"], float(sum(int(total or 0) for _kind, _count, total in documents)))
    size.add_metric(["certificates"], float(certificates[1] or 0))
    size.add_metric(["pending_uploads"], float(pending[1] or 0))
    return [counts, counts_pending, size]
