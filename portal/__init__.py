"""The citizens' web front."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint

from engine.pages import blueprints as _find

#: Modules that register their blueprint themselves (through ``portal.security.init_app``
#: and ``portal.oidc.init_app``).
SELF_REGISTERED = frozenset({"auth", "oidc", "security"})


def blueprints() -> Iterator[Blueprint]:
    """Every page group of the portal (each module that defines ``bp``)."""
    import portal

    return _find(portal, SELF_REGISTERED)
