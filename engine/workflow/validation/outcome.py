"""What a procedure calls «refused», as its bundle's manifest declares it under ``rechazo``::

    rechazo:
      campo: decision        # a field of the case's data when the case ends
      valores: [rechazar]    # the values of that field that mean the request was refused

The public figures (``engine/figures``) count a finished case as refused when its data says
so; a procedure without ``rechazo`` shows no share refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIELD = "rechazo"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


@dataclass(frozen=True)
class Refusal:
    """The data field of a finished case and the values of it that mean «refused»."""

    field: str
    values: frozenset[str | int | float]

    def refuses(self, data: Mapping[str, Any] | None) -> bool:
        """Whether a finished case with ``data`` was refused."""
        value = (data or {}).get(self.field)
        return isinstance(value, str | int | float) and not isinstance(value, bool) and value in self.values


def problems(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with the manifest's ``rechazo`` (``(field, Spanish message)``), if anything."""
    raw = manifest.get(FIELD)
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [(FIELD, "«rechazo» debe ser un mapa con «campo» y «valores».")]
    found = []
    unknown = sorted(set(raw) - {"campo", "valores"})
    if unknown:
        found.append((FIELD, f"«rechazo» no admite «{unknown[0]}»: use campo y valores."))
    field = raw.get("campo")
    if not (isinstance(field, str) and _IDENTIFIER.fullmatch(field)):
        found.append((f"{FIELD}.campo",
                      "«rechazo.campo» debe ser el nombre de un dato del caso (letras, dígitos y _)."))
    values = raw.get("valores")
    if not (isinstance(values, list) and values and all(_is_value(v) for v in values)):
        found.append((f"{FIELD}.valores", "«rechazo.valores» debe ser una lista de textos o números que "
                                          "significan «rechazado»."))
    return found


def refusal_of(manifest: Mapping[str, Any] | None) -> Refusal | None:
    """The procedure's refusal rule, or ``None`` when it declares none (or a broken one)."""
    manifest = manifest or {}
    if manifest.get(FIELD) is None or problems(manifest):
        return None
    raw = manifest[FIELD]
    return Refusal(raw["campo"], frozenset(raw["valores"]))


def _is_value(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""
