"""What a certificate certifies, in a few lines the public verification page shows next to its code.

A template folder declares them in ``verificacion.json``: ``{"campos": [{"dato": "titular",
"etiqueta": "Titular"}, …]}``, each ``dato`` a dotted path into the certificate's data, or
``{"campos": "todos"}`` for every top-level datum but ``cuerpo`` (the platform's default). A person
holding a paper compares these lines with it, so a forger cannot pair another certificate's
genuine code with any content. Without the file, a certificate shows its title and case only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FILE = "verificacion.json"
MAX_FIELDS = 12
MAX_VALUE = 300


def summarize(template_dir: Path, data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The declared lines, as ``[{"etiqueta", "valor"}]`` (a missing or empty datum is left out)."""
    declared = template_dir / FILE
    if not declared.is_file():
        return []
    fields = json.loads(declared.read_text(encoding="utf-8")).get("campos", [])
    if fields == "todos":
        fields = [{"dato": key, "etiqueta": key.replace("_", " ").capitalize()} for key in data if key != "cuerpo"]
    fields = fields[:MAX_FIELDS]
    found = []
    for field in fields:
        value = _lookup(data, str(field["dato"]))
        if value not in (None, "", [], {}):
            found.append({"etiqueta": str(field["etiqueta"])[:100], "valor": _text(value)})
    return found


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Sí" if value else "No"
    return str(value)[:MAX_VALUE]
