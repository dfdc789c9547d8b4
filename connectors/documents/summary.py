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
from typing import Any

FILE = "verificacion.json"
MAX_FIELDS = 12
MAX_VALUE = 300


def summarize(files: Mapping[str, bytes], data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The declared lines, as ``[{"etiqueta", "valor"}]`` (a missing or empty datum is left out).

    :param files: the template folder's files (``verificacion.json`` among them, or not).
    """
    raw = files.get(FILE)
    if raw is None:
        return []
    fields = json.loads(raw.decode("utf-8")).get("campos", [])
    if fields == "todos":
        fields = [{"dato": key, "etiqueta": key.replace("_", " ").capitalize()} for key in data if key != "cuerpo"]
    fields = fields[:MAX_FIELDS]
    found = []
    for field in fields:
        value = _lookup(data, str(field["dato"]))
        if value not in (None, "", [], {}):
            found.append({"etiqueta": str(field["etiqueta"])[:100], "valor": _text(value)})
    return found


def declaration_problems(raw: bytes) -> list[str]:
    """What is wrong with a ``verificacion.json`` (checked when its bundle is deployed), in Spanish."""
    try:
        declared = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return [f"no es JSON válido: {e}"]
    if not isinstance(declared, Mapping) or "campos" not in declared:
        return ['debe ser un objeto con la clave «campos»: una lista o "todos"']
    fields = declared["campos"]
    if fields == "todos":
        return []
    if not isinstance(fields, list):
        return ['«campos» debe ser una lista de {"dato", "etiqueta"} o "todos"']
    problems = []
    if len(fields) > MAX_FIELDS:
        problems.append(f"«campos» tiene {len(fields)} elementos; la verificación muestra a lo sumo {MAX_FIELDS}")
    for number, field in enumerate(fields, start=1):
        if not (isinstance(field, Mapping) and isinstance(field.get("dato"), str) and field["dato"].strip()
                and isinstance(field.get("etiqueta"), str) and field["etiqueta"].strip()):
            problems.append(f"el campo {number} debe tener «dato» y «etiqueta» (textos no vacíos)")
    return problems


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
