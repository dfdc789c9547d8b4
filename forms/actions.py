"""Actions that change a form's shape: add, remove and move rows, re-render after an answer.

The same request serves both paths: a plain POST (no JavaScript) re-renders the whole
page, htmx swaps only the group the button names. Either way the front calls
:func:`apply_action` and renders the markup it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from forms.errors import ActionError
from forms.parse import read_submission, requested_action
from forms.render import render


@dataclass
class ActionResult:
    """The form after an action: its data, the alternatives picked, and its fields' markup."""

    data: Any
    choices: dict[str, int]
    html: Markup


def has_action(form: Any, prefix: str = "") -> bool:
    """Whether the POST is an action (a button that changes the form), not a submission.

    :raises ActionError: when the action is not one of ours.
    """
    return requested_action(form, prefix) is not None


def apply_action(schema: Any, form: Any, files: Mapping[str, Any] | None = None, ui_schema: Any = None,
                 prefix: str = "") -> ActionResult:
    """Parse the POST, apply its action and render the form again (without errors).

    :raises ActionError: when the POST names no action, or one that fits no part of the form.
    """
    action = requested_action(form, prefix)
    if action is None:
        raise ActionError("El formulario no pidió ninguna acción.")
    submission = read_submission(schema, form, files, ui_schema, prefix, action)
    if action.verb != "actualizar" and not action.done:
        raise ActionError("La acción pedida no corresponde a este formulario.")
    data = {} if submission.data is None else submission.data
    html = render(schema, ui_schema, data, prefix=prefix, choices=submission.choices)
    return ActionResult(data, submission.choices, html)
