"""Options a form takes from the task's data, written the way SpiffArena writes them.

A field lists ``"anyOf": ["options_from_task_data_var:turnos_ofrecidos"]`` (or ``oneOf``); the
task's variable ``turnos_ofrecidos`` holds ``[{"value": …, "label": …}, …]``, left there by a
script or by an operation such as ``turnos/ofrecer``. :func:`with_task_options` replaces the
marker with one titled branch per option, so rendering, parsing and validation see an ordinary
list of options and a value nobody offered is refused like any other wrong choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "options_from_task_data_var:"
#: What a marker becomes when a schema is only checked (no task data yet): one harmless option.
_PLACEHOLDER = [{"const": "", "title": "(opciones del proceso)"}]


def with_task_options(schema: Any, data: Mapping[str, Any] | None) -> Any:
    """``schema`` with every options marker replaced by the options the task data holds.

    ``data=None`` (a schema checked at deployment) puts a placeholder option instead. A variable
    that is absent, not a list, or empty leaves the field with no option at all (``enum: []``),
    so any answer is refused with the usual «choose an option» message.
    """
    if isinstance(schema, dict):
        lowered = {key: with_task_options(value, data) for key, value in schema.items()}
        for keyword in ("anyOf", "oneOf"):
            name = marker(schema.get(keyword))
            if name is None:
                continue
            options = _PLACEHOLDER if data is None else _options(data.get(name))
            del lowered[keyword]
            if options:
                lowered[keyword] = options
            else:
                lowered["enum"] = []
        return lowered
    if isinstance(schema, list):
        return [with_task_options(item, data) for item in schema]
    return schema


def marker(branches: Any) -> str | None:
    """The task variable a one-element ``anyOf``/``oneOf`` of ``options_from_task_data_var:<name>`` names."""
    if isinstance(branches, list) and len(branches) == 1 and isinstance(branches[0], str) \
            and branches[0].startswith(PREFIX):
        return branches[0][len(PREFIX):].strip() or None
    return None


def _options(found: Any) -> list[dict[str, Any]]:
    """Titled branches from ``[{"value", "label"}, …]``; malformed items are skipped."""
    if not isinstance(found, list):
        return []
    return [{"const": item["value"], "title": str(item.get("label", item["value"]))}
            for item in found if isinstance(item, dict) and "value" in item]
