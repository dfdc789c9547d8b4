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


def week_start(iso_week: str) -> date:
    """The Monday of an ISO week written ``2026-W49``."""
    year, week = iso_week.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)
