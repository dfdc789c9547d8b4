"""The citizens' web front."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint

from engine.web.pages import blueprints as _find

#: Modules that are not page groups of their own: the security layer, and the external
#: sign-in that ``portal.oidc.init_app`` registers only when a provider is configured.
SELF_REGISTERED = frozenset({"oidc", "security"})


def blueprints() -> Iterator[Blueprint]:
    """Every page group of the portal and of the office's devices (each module that defines ``bp``)."""
    import portal
    import portal.office

    yield from _find(portal, SELF_REGISTERED)
    yield from _find(portal.office)
