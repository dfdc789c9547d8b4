"""Classifying form fields under Ley 25.326: the ``x-datos`` keyword of a JSON Schema.

An analyst marks a property ``"x-datos": "personal"`` (it identifies a person: name, DNI,
address, e-mail) or ``"x-datos": "sensible"`` (what the law calls sensitive: health, religion,
union membership, sexual life, racial origin, political opinion). JSON Schema lets unknown
keywords through, so a misspelt class would silently protect nothing: :func:`check` refuses any
other value when the bundle is deployed. A classified object covers all that is inside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from forms.errors import SchemaError

KEYWORD = "x-datos"
PERSONAL = "personal"
SENSITIVE = "sensible"
CLASSES = (PERSONAL, SENSITIVE)


def check(node: Mapping[str, Any], location: str) -> None:
    """Refuse a classification that is not one of :data:`CLASSES` (one subschema)."""
    if KEYWORD in node and node[KEYWORD] not in CLASSES:
        raise SchemaError(f"«{KEYWORD}» en «{location or '/'}» debe ser «personal» o «sensible», no "
                          f"«{node[KEYWORD]}».", location)


def classified_fields(schema: Any) -> dict[str, str]:
    """Every classified field of a form by dotted path (``titular``, ``salud.diagnostico``)."""
    return dict(_fields(schema, ""))


def _fields(schema: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if not isinstance(schema, Mapping):
        return
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    for name, sub in properties.items():
        if not isinstance(sub, Mapping):
            continue
        path = f"{prefix}{name}"
        if sub.get(KEYWORD) in CLASSES:
            yield path, str(sub[KEYWORD])
        else:
            yield from _fields(sub, path + ".")


def sensitive_paths(fields: Mapping[str, str]) -> list[str]:
    """The paths of ``fields`` classified as sensitive, sorted."""
    return sorted(path for path, kind in fields.items() if kind == SENSITIVE)
