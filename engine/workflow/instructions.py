"""A task's instructions for the person doing it, rendered with the task's data (as SpiffArena does).

Analysts write ``instructionsForEndUser`` as a Jinja template — "Mesa de Entradas pide:
{{ observaciones }}" — rendered on every view of the task in a bounded sandbox
(:class:`bounds.templates.BoundedEnvironment`: no Python internals, and the script sandbox's
limits of size, operations and time) with autoescaping, so case data can never inject markup.
The analyst's own HTML keeps only formatting and plain links (:func:`bounds.html.sanitize`):
no htmx attributes, event handlers, forms or scripts acting as whoever opens the task.
A template that does not render, or goes past its limits, is shown as written (escaped) rather
than hiding the instructions or holding the page.
"""

from __future__ import annotations

import logging
from typing import Any

from markupsafe import Markup

from bounds.html import sanitize
from bounds.templates import BoundedEnvironment
from engine.models import Task

log = logging.getLogger(__name__)
_ENVIRONMENT = BoundedEnvironment(autoescape=True)


def render(text: str | None, data: dict[str, Any] | None) -> Markup:
    """The instructions with the data filled in (escaped HTML), or ``""`` when there are none."""
    if not text:
        return Markup("")
    try:
        rendered = _ENVIRONMENT.from_string(text).render(data or {})
    except Exception as error:  # an analyst's mistake or a template past its limits must not break the page
        log.warning("instructions do not render (%s: %s); shown as written", type(error).__name__, error)
        return Markup.escape(text)
    # The case data in it was escaped by the template; the analyst's HTML goes through the allow-list.
    return Markup(sanitize(rendered))  # noqa: S704


def for_task(task: Task) -> Markup:
    """The task's instructions rendered with the data it had when it became ready."""
    return render(task.instructions, task.data)
