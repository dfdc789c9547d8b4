"""The names people read for staff groups: ``mesa_entradas`` is «Mesa de Entradas».

They live in ``processes/groups.yaml``, the catalogue of the city's groups; a group it does
not name is read by its id with spaces (:func:`engine.identity.accounts.group_title` adds the
directory's title in between).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from engine import safe_yaml

CATALOGUE = Path(__file__).resolve().parents[2] / "processes" / "groups.yaml"
MAX_CATALOGUE_BYTES = 64 * 1024


@lru_cache(maxsize=1)
def catalogue() -> dict[str, str]:
    """``{group id: display name}`` as the catalogue writes them (read once per process)."""
    data = safe_yaml.load(CATALOGUE.read_bytes(), max_bytes=MAX_CATALOGUE_BYTES) or {}
    return {str(name): str(title) for name, title in (data.get("groups") or {}).items()}


def plain_title(name: str) -> str:
    """The name a group is created with: the catalogue's, else its id with spaces."""
    return catalogue().get(name) or name.replace("_", " ").strip().capitalize()
