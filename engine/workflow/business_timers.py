"""Business-day timers on staff steps follow the case's clock: a pause moves them later.

While the case waits for the citizen its clock stands still (:mod:`engine.deadlines.clock`);
when it runs again, the due dates of the open staff tasks move later by the business days the
pause lasted. A ``dias_habiles(n)`` boundary timer on such a task (an escalation after 5
business days) moves by the same days, so it still fires when the task shows as due. Timers on
the citizen's own step (the correction deadline), intermediate timers and clock-time timers
(``PT4H``, ``P3D`` as text) never move.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.deadlines.clock import shift
from engine.deadlines.holidays import Calendar

#: The internal-data key a business-day timer keeps its day count in (see ``spiff.py``).
BUSINESS_DAYS = "business_days"


def move_staff_timers(staff_tasks: Iterable[SpiffTask], days: int, calendar: Calendar) -> int:
    """Move the waiting business-day boundary timers of ``staff_tasks`` ``days`` business days later.

    :param staff_tasks: ready staff tasks that were open before the pause ended (a task made
        ready by this very step started its timer after the pause, so it is not passed).
    :return: how many timers moved (the caller then recomputes the case's next timer).
    """
    moved = 0
    for task in staff_tasks:
        for timer in _business_timers(task):
            due = datetime.fromisoformat(timer._get_internal_data("event_value"))
            timer._set_internal_data(event_value=shift(due, days, calendar).isoformat())
            moved += 1
    return moved


def _business_timers(task: SpiffTask) -> list[SpiffTask]:
    """The waiting business-day timers attached to ``task`` (its boundary events' tasks)."""
    parent = task.parent
    if parent is None:
        return []
    return [sibling for sibling in parent.children
            if sibling is not task and isinstance(sibling.task_spec, BoundaryEvent)
            and sibling.has_state(TaskState.WAITING)
            and sibling._get_internal_data(BUSINESS_DAYS) is not None
            and isinstance(sibling._get_internal_data("event_value"), str)]
