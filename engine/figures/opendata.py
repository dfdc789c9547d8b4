"""Publishing the open data: each dataset as CSV and JSON, its dictionary and the DCAT catalogue.

The files go into ``open_data_files`` (one row per file): every web process and worker serves
the same bytes, and a publication replaces the previous one in one transaction. Before a file
is written its rows are checked against their own Table Schema, so a file that breaks its
dictionary is never published.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.db import db
from engine.figures.datasets import DATASETS, LICENSE, PUBLISHER, Dataset
from engine.figures.models import OpenDataFile

CATALOGUE = "data.json"
PACKAGE = "datapackage.json"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
_YEARMONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class DictionaryError(ValueError):
    """A row does not satisfy its dataset's Table Schema."""


def check_row(schema: dict[str, Any], row: dict[str, Any]) -> None:
    """Check one row (Python values, ``None`` missing) against a Table Schema.

    :raises DictionaryError: naming the field and what is wrong with it.
    """
    if set(row) != {f["name"] for f in schema["fields"]}:
        raise DictionaryError(f"the row's fields {sorted(row)} are not the schema's")
    for spec in schema["fields"]:
        value, rules = row[spec["name"]], spec.get("constraints", {})
        if value is None:
            if rules.get("required"):
                raise DictionaryError(f"{spec['name']} is required")
            continue
        if not _has_type(value, spec["type"]) or not _within(value, rules):
            raise DictionaryError(f"{spec['name']}={value!r} breaks its {spec['type']} field")


def _has_type(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int)
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "yearmonth":
        return isinstance(value, str) and bool(_YEARMONTH.fullmatch(value))
    return isinstance(value, str)


def _within(value: Any, rules: dict[str, Any]) -> bool:
    if "minimum" in rules and value < rules["minimum"]:
        return False
    if "maximum" in rules and value > rules["maximum"]:
        return False
    return "pattern" not in rules or bool(re.fullmatch(rules["pattern"], value))


def as_csv(dataset: Dataset, rows: list[dict[str, Any]]) -> bytes:
    """The rows as UTF-8 CSV with a header of the schema's field names; ``None`` as an empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f["name"] for f in dataset.fields], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return out.getvalue().encode("utf-8")


def as_json(rows: list[dict[str, Any]]) -> bytes:
    """The rows as a JSON array of objects (Frictionless' keyed JSON rows)."""
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")


def data_package(base_url: str) -> dict[str, Any]:
    """The Frictionless Data Package that describes every file: the data dictionary."""
    resources = []
    for d in DATASETS.values():
        for fmt in ("csv", "json"):
            resources.append({"name": f"{d.id}-{fmt}", "title": d.title, "description": d.description,
                              "path": f"{base_url}/{d.id}.{fmt}", "format": fmt, "mediatype": MEDIA_TYPES[fmt],
                              "encoding": "utf-8", "profile": "tabular-data-resource", "schema": d.table_schema()})
    return {"name": "datos-abiertos-smt", "title": "Datos abiertos de trámites y reclamos", "licenses": [LICENSE],
            "profile": "tabular-data-package", "resources": resources}


def catalogue(base_url: str, now: datetime, every_minutes: int) -> dict[str, Any]:
    """The DCAT catalogue (``data.json``, DCAT-US 1.1 / Project Open Data form) of the datasets."""
    publisher = {"@type": "org:Organization", "name": PUBLISHER}
    datasets = [{
        "@type": "dcat:Dataset", "identifier": f"{base_url}/{d.id}", "title": d.title, "description": d.description,
        "keyword": list(d.keywords), "modified": now.isoformat(timespec="seconds"), "publisher": publisher,
        "accessLevel": "public", "license": LICENSE["path"], "language": ["es-AR"],
        "accrualPeriodicity": f"R/PT{every_minutes}M", "spatial": "San Miguel de Tucumán, Argentina",
        "distribution": [{"@type": "dcat:Distribution", "title": f"{d.title} ({fmt.upper()})",
                          "downloadURL": f"{base_url}/{d.id}.{fmt}", "mediaType": MEDIA_TYPES[fmt].split(";")[0],
                          "format": fmt.upper(), "describedBy": f"{base_url}/{PACKAGE}",
                          "describedByType": "application/json"} for fmt in ("csv", "json")],
    } for d in DATASETS.values()]
    return {"@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld", "@type": "dcat:Catalog",
            "conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": datasets}


def publish(now: datetime, base_url: str, k: int, size_m: float, every_minutes: int) -> list[str]:
    """Build and store every file (checked against its dictionary first); flush, never commit.

    :param base_url: the absolute address the files are downloaded from (``…/datos/abiertos``).
    :return: the names of the files published.
    :raises DictionaryError: when a row breaks its dataset's schema (nothing is then written).
    """
    files: dict[str, tuple[str, bytes]] = {}
    for d in DATASETS.values():
        rows = d.rows(k, size_m)
        schema = d.table_schema()
        for values in rows:
            check_row(schema, values)
        files[f"{d.id}.csv"] = (MEDIA_TYPES["csv"], as_csv(d, rows))
        files[f"{d.id}.json"] = (MEDIA_TYPES["json"], as_json(rows))
    for name, document in ((PACKAGE, data_package(base_url)), (CATALOGUE, catalogue(base_url, now, every_minutes))):
        files[name] = (MEDIA_TYPES["json"], json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    for name, (media_type, content) in files.items():
        row = db.session.get(OpenDataFile, name) or OpenDataFile(name=name)
        row.media_type, row.content, row.published_at = media_type, content, now
        row.sha256 = hashlib.sha256(content).hexdigest()
        db.session.add(row)
    db.session.flush()
    return sorted(files)


def published(name: str) -> OpenDataFile | None:
    """A published file by its name, or ``None``."""
    return db.session.get(OpenDataFile, name)


def published_catalogue() -> dict[str, Any] | None:
    """The DCAT catalogue as last published, or ``None`` before the first publication."""
    row = db.session.scalar(select(OpenDataFile).where(OpenDataFile.name == CATALOGUE))
    return None if row is None else json.loads(row.content)
