"""Test cases: an analyst tries a deployed version with cases that leave no trace.

A test case is an ordinary instance of the version (same engine, same forms, same steps)
with two marks on its row:

- ``is_test``: its number is ``PRUEBA-…`` (no real number is used), it is left out of inboxes,
  counts, dashboards and public figures, its notifications are kept as ``suppressed`` in the
  outbox instead of being sent, and it can be deleted;
- ``clock_offset``: seconds its clock runs ahead of the platform's. The engine reads the case's
  clock for its timers, due dates and paused time (``EngineContext.clock_for``), and the timer
  index stores the due time on the platform's clock, so a timer that is due on the case's clock
  fires in real time.

Deleting a test case removes every row that names it and the stored objects only it used; its
audit events stay (the trail is append-only and must keep verifying) and the system chain
records the removal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Table, select

from engine import audit
from engine.casefile import sweep
from engine.dates import fixed_duration
from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.errors import Conflict, DataInvalid
from engine.models import AuditEvent, Certificate, Deployment, Document, Instance, Task
from engine.ports import DocumentStore
from engine.uow import unit_of_work
from engine.workflow import forms_io, instances
from engine.workflow.step import EngineContext, Step

#: The furthest one move may take a case's clock: a year is more than any procedure's timer.
MAX_ADVANCE = timedelta(days=366)
#: Tables whose rows keep their case after it is gone: the audit trail (append-only).
_KEPT = {AuditEvent.__tablename__}


def real_tasks() -> ColumnElement[bool]:
    """A WHERE clause on :class:`~engine.models.Task` that leaves test cases' tasks out (of inboxes,
    counts, dashboards): test cases are few, so the subquery reads a handful of indexed rows."""
    return Task.instance_id.not_in(select(Instance.id).where(Instance.is_test.is_(True)))


def real_instances() -> ColumnElement[bool]:
    """A WHERE clause on :class:`~engine.models.Instance` that leaves test cases out of lists and figures."""
    return Instance.is_test.is_(False)


def start(ctx: EngineContext, deployment: Deployment, data: dict[str, Any], actor: str,
          on_created: Callable[[Instance], object] | None = None) -> Instance:
    """Start a test case of this very version; ``actor`` (the analyst) is its applicant.

    :param on_created: as in :func:`engine.workflow.instances.start` (files of the start form).
    :raises DataInvalid: when the data does not satisfy the version's start form.
    """
    forms_io.validate_start(deployment, data)
    return instances.start_deployment(ctx, deployment, data, actor, on_created=on_created, test=True)


def of_version(deployment: Deployment) -> list[Instance]:
    """The version's test cases, newest first."""
    return list(db.session.scalars(select(Instance).where(Instance.deployment_id == deployment.id,
                                                          Instance.is_test.is_(True))
                                   .order_by(Instance.created_at.desc(), Instance.number)))


def get(instance_id: str) -> Instance:
    """A test case by id.

    :raises NotFound: when there is no such case.
    :raises Conflict: when the case is a real one (its clock and its existence are not an analyst's to change).
    """
    instance = instances.get(instance_id)
    if not instance.is_test:
        raise Conflict("Solo los casos de prueba admiten esta acción; este expediente es real.")
    return instance


def parse_advance(value: Any) -> timedelta:
    """How far to move a clock: an ISO 8601 duration (``P3D``, ``PT5H``, ``P1W``) or whole seconds.

    Years and months are refused: their length depends on the date they start from.

    :raises DataInvalid: for anything else, zero, negative or more than :data:`MAX_ADVANCE`.
    """
    if isinstance(value, bool):
        raise _bad_advance()
    try:
        amount = _amount_of(value)
    except (OverflowError, ValueError):  # more than timedelta holds, NaN, infinities
        amount = None
    if amount is None or amount <= timedelta(0) or amount > MAX_ADVANCE:
        raise DataInvalid(f"El reloj se adelanta entre 1 segundo y {MAX_ADVANCE.days} días.",
                          errors=[{"pointer": "/advance", "message": "Fuera de rango."}])
    return amount


def _amount_of(value: Any) -> timedelta:
    if isinstance(value, int | float):
        return timedelta(seconds=int(value))
    if not isinstance(value, str):
        raise _bad_advance()
    try:
        return fixed_duration(value)
    except ValueError:
        raise _bad_advance() from None


#: The most business days one move may ask for (about a year).
MAX_BUSINESS_DAYS = 250


def business_days_ahead(ctx: EngineContext, instance_id: str, days: Any) -> timedelta:
    """How far to move a test case's clock so that it stands ``days`` business days later, same
    time of day, by the city's holiday calendar (weekends and holidays are skipped as timers skip them).

    :raises DataInvalid: for anything but a whole number from 1 to :data:`MAX_BUSINESS_DAYS`.
    """
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_BUSINESS_DAYS:
        raise DataInvalid(f"Los días hábiles son un número entero entre 1 y {MAX_BUSINESS_DAYS}.",
                          errors=[{"pointer": "/business_days", "message": "Fuera de rango."}])
    instance = get(instance_id)
    calendar = city_calendar(ctx.timezone)
    today = calendar.local_date(ctx.clock_for(instance)())
    return timedelta(days=(calendar.add_business_days(today, days) - today).days)


def _bad_advance() -> DataInvalid:
    return DataInvalid("Indique cuánto adelantar como duración ISO 8601 (P3D, PT5H, P1W) o en segundos.",
                       errors=[{"pointer": "/advance", "message": "Duración no válida."}])


def advance(ctx: EngineContext, instance_id: str, amount: timedelta, actor: str) -> Instance:
    """Move a test case's clock forward and let what is due on it happen at once (timers fire).

    :raises Conflict: for a real case, or a test case that is suspended or finished.
    """
    instance = get(instance_id)
    instances.ensure_active(instance)
    before = instance.clock_offset or 0
    instance.clock_offset = before + int(amount.total_seconds())
    audit.record("test_clock_advanced", actor, instance_id=instance.id,
                 data={"seconds": int(amount.total_seconds()), "offset": instance.clock_offset})
    step = Step(instance, ctx, actor)  # reads the moved clock: due timers fire in this step
    step.run()
    return step.save()


def delete(instance_id: str, actor: str, discard: Callable[[Iterable[str]], None] | None = None) -> str:
    """Delete one test case and everything that names it; return its number.

    :param discard: called with the storage keys only this case used, to remove them from the
        document store (after the commit, so a rolled-back delete loses nothing).
    """
    instance = get(instance_id)
    number = instance.number
    keys = _storage_keys(instance.id)
    _delete_rows(instance.id)
    db.session.delete(instance)
    db.session.flush()
    audit.record("test_cases_removed", actor, data={"numbers": [number], "key": instance.process_key,
                                                    "version": instance.version})
    if discard is not None and keys:
        discard(keys)
    return number


def delete_all(deployment: Deployment, actor: str,
               discard: Callable[[Iterable[str]], None] | None = None) -> list[str]:
    """Delete every test case of a version; return their numbers."""
    return [delete(instance.id, actor, discard) for instance in of_version(deployment)]


def discard_after_commit(ctx: EngineContext, store: DocumentStore | None) -> Callable[[Iterable[str]], None]:
    """The ``discard`` of :func:`delete`: once the transaction commits, remove from ``store`` the
    objects no other row references (content-addressed objects may be shared with real cases)."""

    def discard(keys: Iterable[str]) -> None:
        if store is not None:
            ctx.after_commit.append(partial(_discard_unreferenced, store, set(keys)))

    return discard


def _discard_unreferenced(store: DocumentStore, keys: set[str]) -> None:
    with unit_of_work():
        kept = sweep.referenced(keys)
    for key in sorted(keys - kept):
        try:
            store.delete(key)
        except Exception as e:
            if getattr(e, "status", None) != 404:  # already gone is fine (storage/ is not ours to import)
                raise


def _storage_keys(instance_id: str) -> set[str]:
    keys = set(db.session.scalars(select(Document.storage_key).where(Document.instance_id == instance_id)))
    keys |= set(db.session.scalars(select(Certificate.storage_key).where(Certificate.instance_id == instance_id)))
    return keys


def _case_tables() -> list[Table]:
    """Every table with an ``instance_id`` column, those that depend on others first.

    Read from the metadata, so a table another part adds (comments, buffered messages…) is
    covered without being named here.
    """
    found = [table for table in reversed(db.metadata.sorted_tables)
             if "instance_id" in table.c and table.name not in _KEPT]
    return found


def _delete_rows(instance_id: str) -> None:
    for table in _case_tables():
        column = table.c.instance_id
        nullable_link = column.nullable and any(fk.ondelete == "SET NULL" for fk in column.foreign_keys)
        if nullable_link and table.name != Certificate.__tablename__:
            # Rows that outlive their case by design (a sensor episode) only lose the link.
            db.session.execute(table.update().where(column == instance_id).values(instance_id=None))
        else:
            db.session.execute(table.delete().where(column == instance_id))
