"""Human tasks as the platform sees them: who may do them, their form, due date and priority."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.task import Task as SpiffTask

APPLICANT_LANES = {"ciudadano", "ciudadana", "solicitante"}
_ISO_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


def slug(text: str) -> str:
    """``"Mesa de Entradas"`` → ``"mesa_de_entradas"``: lane names as group names."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def group_of_lane(lane: str) -> str:
    return slug(lane)


def _properties(task_spec: Any) -> dict[str, Any]:
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {})


def applicant_lane(task_spec: Any) -> bool:
    """Tell whether the task belongs to the person who started the case."""
    if str(_properties(task_spec).get("forApplicant", "")).lower() == "true":
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


def describe(task: SpiffTask, now: datetime) -> HumanTask:
    """Read a ready user or manual task's routing, form and deadline from its spec."""
    spec = task.task_spec
    props = _properties(spec)
    for_applicant = applicant_lane(spec)
    group = props.get("candidateGroup") or (group_of_lane(spec.lane) if spec.lane else None)
    return HumanTask(
        id=str(task.id),
        element_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        kind="user" if isinstance(spec, UserTask) else "manual",
        candidate_group=None if for_applicant else group,
        for_applicant=for_applicant,
        priority=_int(props.get("priority"), 0),
        due_at=due_date(props.get("sla") or props.get("dueDate"), now),
        form=props.get("formJsonSchemaFilename"),
        ui_form=props.get("formUiSchemaFilename"),
        instructions=(spec.extensions or {}).get("instructionsForEndUser"),
    )


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def due_date(expression: Any, now: datetime) -> datetime | None:
    """Turn an SLA such as ``P3D`` or ``PT4H`` into a due time from ``now``; ``None`` when absent or unreadable."""
    if not isinstance(expression, str):
        return None
    match = _ISO_DURATION.match(expression.strip().strip("\"'"))
    if not match or not any(match.groupdict().values()):
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    weeks = parts.pop("weeks", 0)
    delta = relativedelta(years=parts.get("years", 0), months=parts.get("months", 0), days=parts.get("days", 0),
                          hours=parts.get("hours", 0), minutes=parts.get("minutes", 0),
                          seconds=parts.get("seconds", 0))
    return now + delta + timedelta(weeks=weeks)
