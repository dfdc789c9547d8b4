"""Deploy-time checks of what a bundle declares about what people see: ``pago``, ``resumen``, enum labels.

One call from :func:`engine.workflow.validation.validate_bundle`; problems and warnings go to the
same report, in Spanish, with file and element.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from engine.casefile.payment import problems as payment_problems
from engine.casefile.summary import AUDIENCES, MANIFEST_KEY, SCHEMA_SUFFIX, UI_SUFFIX
from engine.workflow.bundles import MANIFEST, Bundle
from forms.catalogue import unlabelled_enums
from forms.display import MONEY_FORMAT


class _Report(Protocol):
    def add(self, file: str, element: str, message: str) -> None: ...

    def warn(self, file: str, element: str, message: str) -> None: ...


def check_presentation(bundle: Bundle, report: _Report) -> None:
    """The manifest's ``pago`` and ``resumen``, and a warning for each enum without labels."""
    for element, message in payment_problems(bundle.manifest, message_names(bundle)):
        report.add(MANIFEST, element, message)
    for element, message in summary_problems(bundle.manifest):
        report.add(MANIFEST, element, message)
    for name in bundle.names(SCHEMA_SUFFIX):
        for path in unlabelled_enums(_json(bundle, name), _json(bundle, name.removesuffix(SCHEMA_SUFFIX) + UI_SUFFIX)):
            report.warn(name, path, f"El campo «{path}» ofrece opciones sin etiquetas: se verían los valores "
                        "tal cual. Use «oneOf» con «const» y «title», «enumNames» o «ui:enumNames».")


def summary_problems(manifest: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """What is wrong with the shape of ``resumen`` (its paths may name variables no form has)."""
    declared = (manifest or {}).get(MANIFEST_KEY)
    if declared is None:
        return []
    audiences = ", ".join(AUDIENCES)
    if not isinstance(declared, Mapping):
        return [(MANIFEST_KEY, f"«resumen» debe tener listas por público ({audiences}).")]
    found = []
    for audience, items in declared.items():
        element = f"{MANIFEST_KEY}.{audience}"
        if audience not in AUDIENCES:
            found.append((element, f"«{audience}» no es un público del resumen (use {audiences})."))
        elif not isinstance(items, list) or not all(_item_ok(i) for i in items):
            found.append((element, "Cada dato del resumen es una ruta de variable («organizador.nombre») o "
                                   "«{campo: ruta, etiqueta: texto, formato: moneda}» (etiqueta y formato "
                                   "son optativos)."))
    return found


def _item_ok(item: Any) -> bool:
    if isinstance(item, str):
        return bool(item.strip())
    return (isinstance(item, Mapping) and isinstance(item.get("campo"), str) and bool(item["campo"].strip())
            and set(item) <= {"campo", "etiqueta", "formato"} and isinstance(item.get("etiqueta", ""), str)
            and item.get("formato", MONEY_FORMAT) == MONEY_FORMAT)


def message_names(bundle: Bundle) -> set[str]:
    """The names of the messages the bundle's BPMN files declare (``<bpmn:message name=…>``)."""
    names: set[str] = set()
    for name in bundle.names(".bpmn"):
        try:
            root = safe_fromstring(bundle.files[name])
        except (ParseError, DefusedXmlException):
            continue  # the parser already reported this file
        names.update(e.get("name") or e.get("id") or "" for e in root.iter() if str(e.tag).endswith("}message"))
    names.discard("")
    return names


def _json(bundle: Bundle, name: str) -> Any:
    raw = bundle.files.get(name)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None  # reported by the form checks
