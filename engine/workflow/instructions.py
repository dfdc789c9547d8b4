"""A task's instructions for the person doing it, rendered with the task's data (as SpiffArena does).

Analysts write ``instructionsForEndUser`` as a Jinja template — "Mesa de Entradas pide:
{{ observaciones }}" — rendered in a sandbox with autoescaping, so case data can never
inject markup or reach Python. A template that does not render is shown as written rather
than hiding the instructions.
"""

from __future__ import annotations

import logging
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from engine.models import Task

log = logging.getLogger(__name__)
_ENVIRONMENT = SandboxedEnvironment(autoescape=True)


def render(text: str | None, data: dict[str, Any] | None) -> Markup:
    """The instructions with the data filled in (escaped HTML), or ``""`` when there are none."""
    if not text:
        return Markup("")
    try:
        # The template is the analyst's deployed text; the case data in it was escaped on the way in.
        return Markup(_ENVIRONMENT.from_string(text).render(data or {}))  # noqa: S704
    except TemplateError as error:  # an analyst's mistake must not hide the instructions
        log.warning("instructions do not render (%s); shown as written", error)
        return Markup.escape(text)


def for_task(task: Task) -> Markup:
    """The task's instructions rendered with the data it had when it became ready."""
    return render(task.instructions, task.data)
