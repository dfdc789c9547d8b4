"""The access table, one file per front (so each front's pages are listed beside each other).

Each module defines ``TABLE`` (endpoint -> who may open it), ``SAMPLE_ARGS`` (URL argument ->
a sample value that names nothing) and ``SERVED_GET`` (endpoint -> what an allowed GET answers
when it is not 200), and may define ``SERVED_POST`` (endpoint -> what an allowed POST answers
when its sample argument names nothing). Every module of the package is read: a new front or
a new part of one (the studio's editors) adds its own file.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

ANONYMOUS = "anónimo"
ROLE_NAMES = ("ciudadana", "mesa", "supervisora", "analista", "auditor", "archivo", "admin", "agendas")
PUBLIC = frozenset((ANONYMOUS, *ROLE_NAMES))
SIGNED_IN = frozenset(ROLE_NAMES)
ANALYSTS = frozenset({"analista", "admin"})


def tables() -> list[ModuleType]:
    """Every table module of this package, by name."""
    return [importlib.import_module(f"{__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)]
