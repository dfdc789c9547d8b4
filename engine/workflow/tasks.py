"""Human tasks as the platform sees them: who may do them, their form, due date and priority."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.task import Task as SpiffTask

from engine.deadlines.holidays import Calendar

APPLICANT_LANES = {"ciudadano", "ciudadana", "solicitante"}
_ISO_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


# Spanish connecting words a lane name drops before becoming a group id (decision 1 of #17)
CONNECTING_WORDS = frozenset({"de", "del", "la", "las", "el", "los", "y", "e", "al", "a"})


def slug(text: str) -> str:
    """``"Mesa de Entradas"`` → ``"mesa_de_entradas"``: lowercase ASCII, non-alphanumerics as ``_``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def group_of_lane(lane: str) -> str:
    """The platform's one lane → group rule: the slug of the name without connecting words.

    «Mesa de Entradas» → ``mesa_entradas``, «Dirección de Espacios Públicos» →
    ``direccion_espacios_publicos``. A group id given as the name (``mesa_entradas``) maps to
    itself, so the API's filter accepts either form.
    """
    words = [word for word in slug(lane).split("_") if word and word not in CONNECTING_WORDS]
    return "_".join(words) or slug(lane)


def task_group(properties: dict[str, Any], lane: str | None) -> str | None:
    """The group a staff task is offered to: its ``candidateGroup`` property, else its lane's group."""
    override = str(properties.get("candidateGroup") or "").strip()
    if override:
        return override
    return group_of_lane(lane) if lane and lane.strip() else None


def task_properties(task_spec: Any) -> dict[str, Any]:
    """The spiffworkflow extension properties of a task spec (empty when it has none)."""
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {})


def applicant_lane(task_spec: Any) -> bool:
    """Tell whether the task belongs to the person who started the case."""
    if str(task_properties(task_spec).get("forApplicant", "")).lower() == "true":
        return True
    lane = getattr(task_spec, "lane", None)
    return isinstance(lane, str) and slug(lane) in APPLICANT_LANES


def is_human(task: SpiffTask) -> bool:
    return isinstance(task.task_spec, UserTask | ManualTask)


@dataclass(frozen=True)
class HumanTask:
    """The index row values of a ready human task."""

    id: str
    element_id: str
    name: str
    kind: str
    candidate_group: str | None
    for_applicant: bool
    priority: int
    due_at: datetime | None
    form: str | None
    ui_form: str | None
    instructions: str | None


def describe(task: SpiffTask, now: datetime, calendar: Calendar | None = None) -> HumanTask:
    """Read a ready user or manual task's routing, form and deadline (in ``calendar``'s business days) from its spec."""
    spec = task.task_spec
    props = task_properties(spec)
    for_applicant = applicant_lane(spec)
    group = task_group(props, spec.lane)
    return HumanTask(
        id=str(task.id),
        element_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        kind="user" if isinstance(spec, UserTask) else "manual",
        candidate_group=None if for_applicant else group,
        for_applicant=for_applicant,
        priority=_int(props.get("priority"), 0),
        due_at=due_date(props.get("sla") or props.get("dueDate"), now, calendar),
        form=props.get("formJsonSchemaFilename"),
        ui_form=props.get("formUiSchemaFilename"),
        instructions=(spec.extensions or {}).get("instructionsForEndUser"),
    )


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def due_date(expression: Any, now: datetime, calendar: Calendar | None = None) -> datetime | None:
    """Turn an SLA such as ``P3D`` or ``PT4H`` into a due time from ``now``; ``None`` when absent or unreadable.

    Days (and weeks, of five business days) are the city's business days: ``P3D`` is due at
    the end (23:59:59 local) of the third business day after ``now``. Months and years are
    calendar ones, moved to the next business day. A time part (``PT4H``) is clock time, added
    after the date part (at the same local time of the day the date part reaches).

    :param calendar: the city's calendar; without one, days are calendar days (plain arithmetic).
    """
    if not isinstance(expression, str):
        return None
    match = _ISO_DURATION.match(expression.strip().strip("\"'"))
    if not match or not any(match.groupdict().values()):
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    clock = timedelta(hours=parts.get("hours", 0), minutes=parts.get("minutes", 0))
    business = parts.get("days", 0) + 5 * parts.get("weeks", 0)
    months = relativedelta(years=parts.get("years", 0), months=parts.get("months", 0))
    if calendar is None:
        return now + months + timedelta(days=business) + clock
    if business and not clock and not parts.get("years") and not parts.get("months"):
        return calendar.due_after(now, business)  # the rule business-day timers follow too
    local = now.astimezone(calendar.zone)
    day = local.date() + months
    if months and not calendar.is_business_day(day):
        day = calendar.add_business_days(day, 1)
    day = calendar.add_business_days(day, business)
    if not clock and (business or months):
        return calendar.end_of_day(day)
    return local.replace(year=day.year, month=day.month, day=day.day).astimezone(UTC) + clock
