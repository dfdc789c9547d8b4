"""The access table, one file per front (so each front's pages are listed beside each other).

Each module defines ``TABLE`` (endpoint -> who may open it), ``SAMPLE_ARGS`` (URL argument ->
a sample value that names nothing) and ``SERVED_GET`` (endpoint -> what an allowed GET answers
when it is not 200).
"""

from __future__ import annotations

ANONYMOUS = "anónimo"
ROLE_NAMES = ("ciudadana", "mesa", "supervisora", "analista", "auditor", "admin")
PUBLIC = frozenset((ANONYMOUS, *ROLE_NAMES))
SIGNED_IN = frozenset(ROLE_NAMES)
ANALYSTS = frozenset({"analista", "admin"})
