"""Find a web front's page groups: every module of the package that defines a blueprint ``bp``.

Each front lists nothing by hand, so a new page module joins the app by existing; modules that
register their blueprint themselves (sign-in, external sign-in) are named in ``skip``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Collection, Iterator
from types import ModuleType
from typing import Any

from flask import Blueprint, current_app


def blueprints(package: ModuleType, skip: Collection[str] = ()) -> Iterator[Blueprint]:
    """Yield the ``bp`` of every module of ``package`` not in ``skip``, in module-name order."""
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in skip:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found = getattr(module, "bp", None)
        if isinstance(found, Blueprint):
            yield found


#: ``app.extensions`` key of how the web fronts show an HTTP error on a page (their layout, in
#: Spanish): ``(error) -> response``. The API's handlers, which answer problem documents on their
#: own paths, hand every other path's error to it.
ERROR_PAGE = "tramites.error_page"


def error_page(error: Exception) -> Any:
    """The fronts' page for ``error``, or ``None`` when no front installed one."""
    render = current_app.extensions.get(ERROR_PAGE)
    return render(error) if render is not None else None
