"""Open311 GeoReport v2 answers in its two formats: JSON lists and XML documents.

The spec names each XML root and item element (``<services><service>``,
``<service_requests><request>``, ``<service_definition>``) and answers errors as a list of
``{code, description}`` in both formats (``<errors><error>``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response, json

FORMATS = ("json", "xml")
MIMETYPES = {"json": "application/json", "xml": "text/xml"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        for item in value:
            _append(element, name[:-1] if name.endswith("s") else "item", item)
    else:
        element.text = _text(value)


def _xml(root: ET.Element, status: int) -> Response:
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>' + body, status=status, mimetype=MIMETYPES["xml"])


def items(fmt: str, root: str, item: str, rows: Iterable[Mapping[str, Any]], status: int = 200) -> Response:
    """A list answer: a JSON array, or ``<root><item>…</item>…</root>``."""
    rows = list(rows)
    if fmt == "json":
        return Response(json.dumps(rows), status=status, mimetype=MIMETYPES["json"])
    element = ET.Element(root)
    for row in rows:
        _append(element, item, row)
    return _xml(element, status)


def document(fmt: str, root: str, body: Mapping[str, Any]) -> Response:
    """A single-object answer (the service definition): a JSON object or ``<root>…</root>``."""
    if fmt == "json":
        return Response(json.dumps(body), mimetype=MIMETYPES["json"])
    element = ET.Element(root)
    for key, value in body.items():
        _append(element, key, value)
    return _xml(element, 200)


def errors(fmt: str, status: int, descriptions: Iterable[str]) -> Response:
    """The spec's error list: ``[{"code": 400, "description": "…"}]`` or ``<errors><error>…``."""
    rows = [{"code": status, "description": d} for d in descriptions]
    return items(fmt, "errors", "error", rows, status)
