"""Which fields of a case are classified, and the record of staff reading sensitive ones.

The classification comes from the ``x-datos`` keyword of the version's form schemas
(:mod:`forms.personal_data`); a field is sensitive for a case when any of its version's forms
marks it so. A staff view that shows a case's data calls :func:`record_reads` with the
sensitive fields it shows; the auditor lists the rows with :func:`reads`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import select

from engine.db import db
from engine.models import Deployment, Instance
from engine.privacy.models import SensitiveRead
from forms.personal_data import classified_fields, sensitive_paths

SCHEMA_SUFFIX = ".schema.json"
#: Where a read happened, as the auditor's page names it.
VIEWS = {"expediente": "Vista del expediente", "tarea": "Página de la tarea", "expediente_pdf": "PDF del expediente"}
_CLASSES: dict[str, Mapping[str, str]] = {}
_KEPT = 256


def classes_of(deployment: Deployment) -> Mapping[str, str]:
    """Every classified field of a version by dotted path (``personal`` or ``sensible``)."""
    found = _CLASSES.get(deployment.id)
    if found is None:
        if len(_CLASSES) >= _KEPT:
            _CLASSES.clear()
        merged: dict[str, str] = {}
        for item in sorted(deployment.files, key=lambda f: f.name):
            if item.name.endswith(SCHEMA_SUFFIX):
                for path, kind in classified_fields(_load(item.content)).items():
                    if merged.get(path) != "sensible":  # the stricter class wins across forms
                        merged[path] = kind
        found = _CLASSES[deployment.id] = MappingProxyType(merged)
    return found


def _load(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def sensitive_fields(instance: Instance) -> list[str]:
    """The sensitive fields that hold a value in the case's data."""
    data = instance.data or {}
    return [path for path in sensitive_paths(classes_of(instance.deployment)) if _has(data, path)]


def _has(data: Mapping[str, object], path: str) -> bool:
    value: object = data
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return False
        value = value[step]
    return value not in (None, "", [], {})


def record_reads(instance: Instance, reader: str, view: str, fields: list[str], now: datetime) -> int:
    """Append one row per sensitive field shown (flushes).

    :param view: one of :data:`VIEWS`.
    :return: how many reads were recorded.
    """
    for path in fields:
        db.session.add(SensitiveRead(at=now, reader=reader, instance_id=instance.id, case_number=instance.number,
                                     field=path, view=view))
    db.session.flush()
    return len(fields)


def record_case_view(instance: Instance, reader: str, view: str, now: datetime) -> list[str]:
    """Record the reads of every sensitive field a whole-case view shows; return them."""
    fields = sensitive_fields(instance)
    record_reads(instance, reader, view, fields, now)
    return fields


@dataclass(frozen=True)
class ReadFilter:
    """What the auditor narrows the list by; empty values do not filter."""

    reader: str = ""
    case_number: str = ""
    field: str = ""
    since: datetime | None = None
    until: datetime | None = None


def reads(where: ReadFilter, limit: int | None = 500) -> list[SensitiveRead]:
    """The recorded reads matching ``where``, newest first."""
    query = select(SensitiveRead).order_by(SensitiveRead.at.desc(), SensitiveRead.id.desc())
    if where.reader:
        query = query.where(SensitiveRead.reader == where.reader)
    if where.case_number:
        query = query.where(SensitiveRead.case_number == where.case_number)
    if where.field:
        query = query.where(SensitiveRead.field == where.field)
    if where.since is not None:
        query = query.where(SensitiveRead.at >= where.since)
    if where.until is not None:
        query = query.where(SensitiveRead.at < where.until)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))
