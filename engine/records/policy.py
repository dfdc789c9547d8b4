"""A procedure's records policy, as its bundle's manifest declares it under ``archivo``::

    archivo:
      conservacion_anios: 10        # years a closed case file is kept
      destino: destruir             # or «transferir» (to the historical archive)
      cierre_automatico_dias: 30    # optional: close a finished case this many days after it ended

A manifest without ``archivo`` keeps its closed files :data:`DEFAULT_YEARS` years and then lists
them for destruction; nothing is ever disposed of without staff approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIELD = "archivo"
DISPOSITIONS = ("destruir", "transferir")
DEFAULT_YEARS = 10
MAX_YEARS = 100


@dataclass(frozen=True)
class Policy:
    """How long a procedure's closed files are kept and what happens to them after."""

    years: int = DEFAULT_YEARS
    disposition: str = "destruir"
    auto_close_days: int | None = None


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def problems(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with the manifest's ``archivo`` (``(field, Spanish message)``), if anything."""
    raw = manifest.get(FIELD)
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [(FIELD, "«archivo» debe ser un mapa con «conservacion_anios» y «destino».")]
    found = []
    unknown = sorted(set(raw) - {"conservacion_anios", "destino", "cierre_automatico_dias"})
    if unknown:
        found.append((FIELD, f"«archivo» no admite «{unknown[0]}»: use conservacion_anios, destino, "
                             "cierre_automatico_dias."))
    if not _whole(raw.get("conservacion_anios"), 0, MAX_YEARS):
        found.append((f"{FIELD}.conservacion_anios",
                      f"«archivo.conservacion_anios» debe ser un número entero de años, de 0 a {MAX_YEARS}."))
    if raw.get("destino") not in DISPOSITIONS:
        found.append((f"{FIELD}.destino", "«archivo.destino» debe ser «destruir» o «transferir» "
                                          "(al archivo histórico)."))
    days = raw.get("cierre_automatico_dias")
    if days is not None and not _whole(days, 1, 3650):
        found.append((f"{FIELD}.cierre_automatico_dias",
                      "«archivo.cierre_automatico_dias» debe ser un número entero de días, de 1 a 3650."))
    return found


def policy_of(manifest: Mapping[str, Any] | None) -> Policy:
    """The policy a deployed manifest declares (validated at deploy), or the default one."""
    raw = (manifest or {}).get(FIELD)
    if not isinstance(raw, dict) or problems({FIELD: raw}):
        return Policy()
    return Policy(years=raw["conservacion_anios"], disposition=raw["destino"],
                  auto_close_days=raw.get("cierre_automatico_dias"))
