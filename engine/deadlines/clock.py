"""Deadlines in the city's business days: a case's expected date and the clock that pauses.

A procedure declares its duration in its manifest (``plazo_dias_habiles: 10``; the guide's
free text ``expected_duration: 10 días hábiles`` is read when the number is absent). The
case's clock stands still while the case waits for the citizen (a ready applicant task):
:func:`pause` and :func:`resume` are called by the task index (``engine/workflow/indexing.py``), and
on resuming the due dates of the case's open staff tasks move later by the business days
the pause lasted.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine import audit
from engine.db import db
from engine.deadlines.holidays import Calendar, city_calendar
from engine.deadlines.models import ClockPause
from engine.models import Instance, Task

MANIFEST_FIELD = "plazo_dias_habiles"
FINISHED = ("completed", "terminated")
_FREE_TEXT = re.compile(r"(\d+)\s*d[ií]as?\s+h[aá]biles", re.IGNORECASE)


def duration_of(manifest: dict[str, Any] | None) -> int | None:
    """The procedure's duration in business days, or ``None`` when the manifest declares none.

    ``plazo_dias_habiles`` (a non-negative integer) wins; otherwise ``expected_duration`` is
    read when it says "N días hábiles".
    """
    manifest = manifest or {}
    value = manifest.get(MANIFEST_FIELD)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    match = _FREE_TEXT.search(str(manifest.get("expected_duration") or ""))
    return int(match.group(1)) if match else None


def duration_words(manifest: dict[str, Any] | None) -> str:
    """What the guide says of the duration: the manifest's ``expected_duration`` or, without it,
    its term (``plazo_dias_habiles``, the studio's «Plazo en días hábiles») as «15 días hábiles»;
    ``""`` when it declares neither.
    """
    words = str((manifest or {}).get("expected_duration") or "").strip()
    if words:
        return words
    days = duration_of(manifest)
    if days is None:
        return ""
    return "1 día hábil" if days == 1 else f"{days} días hábiles"


def expected_date(instance: Instance, now: datetime, timezone: str) -> date | None:
    """The date a citizen can expect the case to finish, in the city's calendar.

    Start date + the procedure's duration in business days + the business days the clock was
    paused (a pause still open counts up to ``now``). Also computed for finished cases.

    :param now: the current time (the platform's clock).
    :param timezone: the city's zone (the ``TIMEZONE`` setting).
    :return: ``None`` when the procedure declares no duration.
    """
    days = duration_of(instance.deployment.manifest if instance.deployment else None)
    if days is None:
        return None
    now += timedelta(seconds=instance.clock_offset or 0)  # a test case's pauses run on its own clock
    calendar = city_calendar(timezone)
    start = calendar.local_date(instance.created_at)
    # A case ended without its last step (terminated) may leave a pause open: it ran to the end.
    until = instance.updated_at if instance.status in FINISHED and instance.updated_at else now
    return calendar.add_business_days(start, days + paused_days(instance.id, calendar, until))


def ended_on(instance: Instance, timezone: str) -> date | None:
    """The day in the city's calendar a finished case ended (completed or terminated); else ``None``."""
    if instance.status not in FINISHED or instance.completed_at is None:
        return None
    return city_calendar(timezone).local_date(instance.completed_at)


def paused_days(instance_id: str, calendar: Calendar, now: datetime) -> int:
    """The business days the case's clock stood still so far."""
    total = 0
    for pause in _pauses(instance_id):
        if pause.ended_at is not None:
            total += pause.business_days or 0
        else:
            total += calendar.business_days_between(calendar.local_date(pause.started_at), calendar.local_date(now))
    return total


def is_paused(instance: Instance) -> bool:
    """Tell whether the case waits for the citizen (its clock stands still)."""
    return _open_pause(instance.id) is not None


def _pauses(instance_id: str) -> list[ClockPause]:
    return list(db.session.scalars(select(ClockPause).where(ClockPause.instance_id == instance_id)))


def _open_pause(instance_id: str) -> ClockPause | None:
    query = select(ClockPause).where(ClockPause.instance_id == instance_id, ClockPause.ended_at.is_(None))
    return db.session.scalars(query.limit(1)).first()


def pause(instance: Instance, task_id: str, now: datetime) -> ClockPause | None:
    """Stop the case's clock (an applicant task became ready); nothing when it already stands still."""
    if _open_pause(instance.id) is not None:
        return None
    found = ClockPause(instance_id=instance.id, task_id=task_id, started_at=now)
    db.session.add(found)
    audit.record("clock_paused", "sistema", instance_id=instance.id, task_id=task_id)
    return found


def resume(instance: Instance, now: datetime, calendar: Calendar) -> int:
    """Start the case's clock again and move the open staff tasks' due dates later.

    :return: the business days the pause lasted (0 when the clock was running).
    """
    found = _open_pause(instance.id)
    if found is None:
        return 0
    days = calendar.business_days_between(calendar.local_date(found.started_at), calendar.local_date(now))
    found.ended_at = now
    found.business_days = days
    moved = _move_open_tasks(instance.id, days, calendar) if days else []
    audit.record("clock_resumed", "sistema", instance_id=instance.id, task_id=found.task_id,
                 data={"business_days": days, "moved_tasks": moved})
    return days


def _move_open_tasks(instance_id: str, days: int, calendar: Calendar) -> list[str]:
    """Move the due dates of the case's ready staff tasks ``days`` business days later."""
    query = select(Task).where(Task.instance_id == instance_id, Task.status == "ready",
                               Task.for_applicant.is_(False), Task.due_at.is_not(None))
    moved = []
    for task in db.session.scalars(query):
        if task.status != "ready" or task.due_at is None:  # completed by this very step, not flushed yet
            continue
        task.due_at = shift(task.due_at, days, calendar)
        moved.append(task.id)
    return moved


def shift(moment: datetime, days: int, calendar: Calendar) -> datetime:
    """The same local time ``days`` business days after ``moment``'s date in the city."""
    local = moment.astimezone(calendar.zone)
    target = calendar.add_business_days(local.date(), days)
    return local.replace(year=target.year, month=target.month, day=target.day).astimezone(UTC)
