"""What a case's summary shows each audience: label, value in es-AR words, group — plain data.

The bundle declares it in its manifest (the analyst's choice, not the platform's guess)::

    resumen:
      ciudadano: [organizador.nombre, evento.fecha, calles_afectadas]
      personal: [organizador.nombre, {campo: tasa.importe, etiqueta: Tasa liquidada}]

An item is a dotted path into the case data, or ``{campo: path, etiqueta: text}`` (optionally
``formato: moneda`` for an amount no form describes, such as a decision table's ``tasa``); a
path to a group shows each of its fields. Labels are the fields' ``title`` in the bundle's form schemas
(a nested field carries its parent's title as its group); values are written es-AR
(:mod:`forms.display`). Without a ``ciudadano`` list a citizen sees only the fields of the forms
they filled themselves (the start form and their own tasks' forms), never internal variables;
staff without a ``personal`` list see every datum (:func:`every_line`). A ``seguimiento`` list is
the answer meant for the person (``[resultado, respuesta]``): the public tracking page shows it to
whoever holds the case's tracking code, and the citizen's case page shows it as «Respuesta»; without
it those pages show no answer (nothing of the case data is public unless declared).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from engine.db import db
from engine.models import Deployment, Instance, Task
from forms.catalogue import FieldInfo, catalogue, humanize
from forms.display import value_text

MANIFEST_KEY = "resumen"
#: ``seguimiento``: the answer meant for the person, which whoever holds the case's tracking code reads.
AUDIENCES = ("ciudadano", "personal", "seguimiento")
SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"
_MISSING = object()


@dataclass(frozen=True)
class Line:
    """One line of a summary; ``link`` is for values that lead somewhere (a slip to pay)."""

    label: str
    value: str
    group: str = ""
    link: str | None = None


@dataclass(frozen=True)
class Item:
    """One declared item: a dotted path, an optional label and an optional format (``moneda``)."""

    path: str
    label: str | None = None
    format: str | None = None


def declared_items(manifest: Mapping[str, Any] | None, audience: str) -> list[Item] | None:
    """The audience's items, or ``None`` when the manifest declares none."""
    declared = (manifest or {}).get(MANIFEST_KEY)
    items = declared.get(audience) if isinstance(declared, Mapping) else None
    if not isinstance(items, list):
        return None
    found: list[Item] = []
    for item in items:
        if isinstance(item, str):
            found.append(Item(item))
        elif isinstance(item, Mapping) and isinstance(item.get("campo"), str):
            label, kind = item.get("etiqueta"), item.get("formato")
            found.append(Item(item["campo"], label if isinstance(label, str) else None,
                              kind if isinstance(kind, str) else None))
    return found


def for_citizen(instance: Instance, zone: str | None = None) -> list[Line]:
    """The declared ``ciudadano`` lines, else the fields of the forms the citizen filled.

    :param zone: the city's time zone (the ``TIMEZONE`` setting), for times with an offset.
    """
    fields = fields_of(instance.deployment)
    items = declared_items(instance.deployment.manifest, "ciudadano")
    if items is not None:
        return _declared_lines(instance.data or {}, items, fields, zone)
    own = _citizen_forms(instance)
    paths = [p for name in own for p in _schema_fields(instance.deployment, name)]
    return _declared_lines(instance.data or {}, [Item(p) for p in dict.fromkeys(paths) if "." not in p], fields,
                           zone)


def for_tracking(instance: Instance, zone: str | None = None) -> list[Line]:
    """The declared ``seguimiento`` lines (the answer meant for the person); none when undeclared."""
    items = declared_items(instance.deployment.manifest, "seguimiento")
    return _declared_lines(instance.data or {}, items or [], fields_of(instance.deployment), zone)


def for_staff(instance: Instance, zone: str | None = None) -> list[Line] | None:
    """The declared ``personal`` lines, or ``None`` when the manifest declares none (show every line)."""
    items = declared_items(instance.deployment.manifest, "personal")
    if items is None:
        return None
    return _declared_lines(instance.data or {}, items, fields_of(instance.deployment), zone)


def every_line(instance: Instance, zone: str | None = None) -> list[Line]:
    """Every top-level variable of the case (staff may see all data), the forms' fields first."""
    data = instance.data or {}
    fields = fields_of(instance.deployment)
    known = [p for p in fields if "." not in p and p in data]
    rest = sorted(k for k in data if k not in fields)
    return _declared_lines(data, [Item(p) for p in [*known, *rest]], fields, zone)


#: Fields by deployment id: a version never changes once deployed, and every case page asks.
_FIELDS: dict[str, Mapping[str, FieldInfo]] = {}
_FIELDS_KEPT = 256


def fields_of(deployment: Deployment) -> Mapping[str, FieldInfo]:
    """Every form field of the version by dotted path (the start form's titles win)."""
    found = _FIELDS.get(deployment.id)
    if found is None:
        if len(_FIELDS) >= _FIELDS_KEPT:
            _FIELDS.clear()  # rare (hundreds of versions in one process): start over
        found = _FIELDS[deployment.id] = MappingProxyType(_read_fields(deployment))
    return found


def _read_fields(deployment: Deployment) -> dict[str, FieldInfo]:
    names = [str((deployment.manifest or {}).get("start_form") or "")]
    names += sorted(f.name for f in deployment.files if f.name.endswith(SCHEMA_SUFFIX))
    found: dict[str, FieldInfo] = {}
    for name in dict.fromkeys(n for n in names if n):
        for path, info in _schema_fields(deployment, name).items():
            found.setdefault(path, info)
    return found


def _schema_fields(deployment: Deployment, name: str) -> dict[str, FieldInfo]:
    schema = _json(deployment, name)
    ui_name = (deployment.manifest or {}).get("start_ui_form") if name == (deployment.manifest or {}).get(
        "start_form") else None
    ui = _json(deployment, str(ui_name or name.removesuffix(SCHEMA_SUFFIX) + UI_SUFFIX))
    return catalogue(schema, ui)


def _json(deployment: Deployment, name: str) -> Any:
    raw = deployment.file(name)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):  # checked at deploy; an old version may predate the check
        return None


def _citizen_forms(instance: Instance) -> list[str]:
    """The start form and the forms of the tasks the citizen completed, in that order."""
    start = (instance.deployment.manifest or {}).get("start_form")
    rows = db.session.scalars(select(Task.form).where(Task.instance_id == instance.id, Task.for_applicant.is_(True),
                                                      Task.status == "completed", Task.form.is_not(None)))
    return [n for n in dict.fromkeys([start, *rows]) if isinstance(n, str) and n]


def _declared_lines(data: Mapping[str, Any], items: Iterable[Item], fields: Mapping[str, FieldInfo],
                    zone: str | None) -> list[Line]:
    lines: list[Line] = []
    for item in items:
        value = lookup(data, item.path)
        if value is _MISSING:
            continue
        info = fields.get(item.path)
        depth = item.path.count(".") + 1
        children = [p for p in fields if p.startswith(item.path + ".") and p.count(".") == depth] \
            if isinstance(value, Mapping) else []
        if children and item.label is None:  # a group: each of its fields, under the group's title
            lines += _declared_lines(data, [Item(p) for p in children], fields, zone)
            continue
        if item.format:
            info = replace(info or FieldInfo(item.path, humanize(item.path.rsplit(".", 1)[-1])), format=item.format)
        text = item.label or (info.title if info else humanize(item.path.rsplit(".", 1)[-1]))
        lines.append(Line(text, value_text(value, info, item.path, zone), info.group if info else ""))
    return lines


def lookup(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or a private marker when any step is missing."""
    value: Any = data
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return _MISSING
        value = value[step]
    return value
