"""Sample case data made from a bundle's form schemas, to try templates before any case exists.

Deploy-time checks render every certificate template with it, and the analysts' preview
shows it. One value per field, predictable so two runs agree: text «Ejemplo de <título>»,
numbers at their minimum (or 1), today's date for ``date``, the first value of an enum,
nested objects filled, arrays of one item, a stored-document reference for file fields;
plus what the engine puts in every case (``numero_expediente``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from engine.workflow.bundles import Bundle

SCHEMA_SUFFIX = ".schema.json"
SAMPLE_CASE_NUMBER = "EXP-2026-000001"
SAMPLE_DAY = date(2026, 3, 2)
_MAX_DEPTH = 6
_FILE_FORMATS = ("documento", "data-url")  # as forms.formats.FILE_FORMATS


def sample_case_data(files: Mapping[str, bytes]) -> dict[str, Any]:
    """The sample variables of a case of this bundle: every form's fields, merged, plus the engine's."""
    data: dict[str, Any] = {}
    for name in sorted(n for n in files if n.endswith(SCHEMA_SUFFIX)):
        try:
            schema = json.loads(files[name].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue  # the form checks report it; a sample simply lacks its fields
        value = sample_value(schema, "") if isinstance(schema, Mapping) else None
        if isinstance(value, dict):
            for key, item in value.items():
                data.setdefault(key, item)
    data["numero_expediente"] = SAMPLE_CASE_NUMBER
    return data


def sample_of_bundle(bundle: Bundle) -> dict[str, Any]:
    """:func:`sample_case_data` of a bundle being validated."""
    return sample_case_data(bundle.files)


def sample_value(schema: Mapping[str, Any], name: str, depth: int = 0) -> Any:
    """One predictable value that fits ``schema`` (a property called ``name``)."""
    if depth > _MAX_DEPTH:
        return None
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options and isinstance(options[0], Mapping):
            return sample_value(options[0], name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or (kind is None and "properties" in schema):
        properties = schema.get("properties") or {}
        return {key: sample_value(sub, key, depth + 1) for key, sub in properties.items() if isinstance(sub, Mapping)}
    if kind == "array":
        items = schema.get("items")
        return [sample_value(items, name, depth + 1)] if isinstance(items, Mapping) else []
    return _sample_scalar(schema, kind, name)


def _sample_scalar(schema: Mapping[str, Any], kind: Any, name: str) -> Any:
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = low + 1 if "exclusiveMinimum" in schema or low == 0 else low
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    return _sample_text(schema, name)


def _sample_text(schema: Mapping[str, Any], name: str) -> Any:
    fmt = schema.get("format")
    if fmt in _FILE_FORMATS:
        return {"key": "0" * 64, "name": "ejemplo.pdf", "content_type": "application/pdf", "size": 1,
                "sha256": "0" * 64}
    if fmt == "date":
        return SAMPLE_DAY.isoformat()
    if fmt == "date-time":
        return f"{SAMPLE_DAY.isoformat()}T10:00:00-03:00"
    if fmt == "email":
        return "ejemplo@tramites.example"
    if fmt in ("uri", "url"):
        return "https://tramites.example/ejemplo"
    title = str(schema.get("title") or name or "dato").strip()
    first = title[:1].lower() if title[1:2].islower() else title[:1]  # «CUIT» stays, «Nombre» → «nombre»
    text = f"Ejemplo de {first}{title[1:]}"
    return text[: schema["maxLength"]].rstrip() if isinstance(schema.get("maxLength"), int) else text
