"""The procedure's catalogue data (its manifest) as form fields a non-programmer fills in.

The fields write the keys the guide reads (``resumen``'s lists for the citizen are
:mod:`worklists.studio.summary_fields`'); every other key of the manifest (``pago``,
``iniciado_por``…) is kept as it was, and the whole YAML stays editable below them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import safe_yaml

#: Text fields: manifest key -> the form field's name.
TEXTS = {"name": "nombre", "category": "categoria", "case_prefix": "prefijo", "description": "descripcion",
         "fees": "aranceles", "expected_duration": "duracion", "start_form": "formulario_inicio",
         "start_ui_form": "interfaz_inicio"}
#: List fields, one entry per line.
LINES = {"requirements": "requisitos", "channels": "canales"}
MAX_TEXT = 5_000


def values_of(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What each field shows for a manifest."""
    shown: dict[str, Any] = {field: str(manifest.get(key) or "") for key, field in TEXTS.items()}
    for key, field in LINES.items():
        items = manifest.get(key) or []
        shown[field] = "\n".join(str(item) for item in items) if isinstance(items, list) else str(items)
    shown["plazo"] = str(manifest.get("plazo_dias_habiles") or "")
    shown["guia"] = manifest.get("guia", True) is not False
    return shown


def merged(manifest: Mapping[str, Any], form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The manifest with the form's fields written over it, and the Spanish problems by field."""
    result: dict[str, Any] = dict(manifest)
    problems: dict[str, str] = {}
    for key, field in TEXTS.items():
        text = form.get(field, "").strip()[:MAX_TEXT]
        _put(result, key, text)
    for key, field in LINES.items():
        items = [line.strip() for line in form.get(field, "").splitlines() if line.strip()]
        _put(result, key, items)
    days = form.get("plazo", "").strip()
    if days and not (days.isdigit() and 0 < int(days) <= 365):
        problems["plazo"] = "Escriba un número entero de días hábiles, de 1 a 365."
    else:
        _put(result, "plazo_dias_habiles", int(days) if days else None)
    result["guia"] = form.get("guia") == "1"
    if not result.get("name"):
        problems["nombre"] = "Escriba el nombre del trámite."
    return result, problems


def _put(manifest: dict[str, Any], key: str, value: Any) -> None:
    if value:
        manifest[key] = value
    else:
        manifest.pop(key, None)


def text_of(manifest: Mapping[str, Any]) -> str:
    """The manifest as YAML, key and name first."""
    first = {k: manifest[k] for k in ("key", "name") if k in manifest}
    return safe_yaml.dump({**first, **{k: v for k, v in manifest.items() if k not in first}})
