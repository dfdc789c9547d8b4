"""How the staff's pages write what the task index stores as numbers and codes."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _


def priority_text(priority: int | None) -> str:
    """A task's ``priority`` property (an integer, higher first, 0 when the model sets none)."""
    level = int(priority or 0)
    if level >= 2:
        return _("Urgente")
    if level == 1:
        return _("Alta")
    return _("Normal") if level == 0 else _("Baja")


#: The inbox's minimum priorities by the words :func:`priority_text` writes: the lowest number of each.
PRIORITY_LEVELS = {"normal": 0, "alta": 1, "urgente": 2}


def priority_choices() -> list[tuple[str, str]]:
    """The «Prioridad mínima» filter's options, lowest first (``Baja`` is every task: no filter)."""
    return [("normal", _("Normal o más")), ("alta", _("Alta o más")), ("urgente", _("Urgente"))]


def priority_key(priority: int) -> str:
    """How the filter writes a minimum priority in a link: its word, or the number an old link had."""
    words = {level: word for word, level in PRIORITY_LEVELS.items()}
    return words.get(priority, str(priority))


def week_start(iso_week: str) -> date:
    """The Monday of an ISO week written ``2026-W49``."""
    year, week = iso_week.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)
