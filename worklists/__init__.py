"""The staff's web front and the analysts' studio."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint

from engine.web.pages import blueprints as _find


def blueprints() -> Iterator[Blueprint]:
    """Every page group of the worklists, of the office's desks and of the studio (each module that defines ``bp``)."""
    import worklists
    import worklists.office
    import worklists.studio

    yield from _find(worklists)
    yield from _find(worklists.office)
    yield from _find(worklists.studio)
