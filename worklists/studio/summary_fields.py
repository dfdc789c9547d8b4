"""«Datos del trámite»: which fields of the draft's forms make up what the citizen reads of a case.

Two lists of the manifest's ``resumen`` (docs/case-summaries.md) as check boxes, one per field
of the draft's forms (``*.schema.json``, the start form first, each field under the first form
that defines it): «Respuesta al vecino» (``seguimiento``, the answer shown on the citizen's case
page and on the public tracking page) and «Datos que ve el vecino» (``ciudadano``).

What the boxes cannot say is never dropped: an item naming no field of the forms (a script's
variable, a decision's output) or one the platform cannot read stays where it was, and a
``{campo, etiqueta, formato}`` item of a ticked field keeps its label and format. A list that is
not a list is left as it is (the YAML below the fields is where it is fixed). ``personal`` is not
shown here and is kept as it is.

``ciudadano`` with nothing ticked is removed, so the default applies (the fields of the forms the
citizen filled); «Ningún dato» writes ``ciudadano: []``. ``seguimiento`` with nothing ticked is
removed (no answer shown), and so is ``resumen`` once it holds no list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms.catalogue import catalogue

KEY = "resumen"
SCHEMA_SUFFIX = ".schema.json"
#: Audience in the manifest -> the name of its check boxes (and the id of its fieldset).
FIELDS = {"seguimiento": "resumen_seguimiento", "ciudadano": "resumen_ciudadano"}
#: «Ningún dato»: ``ciudadano: []``.
NOTHING = "resumen_ciudadano_ninguno"
#: Sent by the page that shows the boxes: a post without it leaves ``resumen`` alone.
SHOWN = "resumen_campos"


@dataclass(frozen=True)
class Choice:
    """One field offered: its dotted path and how people know it («Organizador › Nombre»)."""

    path: str
    title: str
    group: bool = False  # a group of fields: the summary shows each of them


@dataclass(frozen=True)
class FormChoices:
    """The fields one form file offers (those no earlier form offered)."""

    file: str
    title: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Chosen:
    """What one audience's part of the page shows."""

    readable: bool = True  # False: the manifest holds something other than a list there
    ticked: frozenset[str] = frozenset()
    notes: Mapping[str, str] | None = None  # path -> its own label and format, in words
    kept: tuple[str, ...] = ()  # the items the boxes cannot express, as written
    nothing: bool = False  # ``ciudadano: []``


@dataclass(frozen=True)
class SummaryPart:
    """The forms' fields and each audience's choice, for the template."""

    forms: tuple[FormChoices, ...]
    audiences: Mapping[str, Chosen]
    readable: bool = True  # False: ``resumen`` is not a mapping


def choices_of(files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> tuple[FormChoices, ...]:
    """The fields of the draft's forms, grouped by file, the start form first, each path once."""
    start = manifest.get("start_form")
    names = sorted(n for n in files if n.endswith(SCHEMA_SUFFIX))
    names.sort(key=lambda n: n != start)
    seen: set[str] = set()
    found = []
    for name in names:
        schema = _json(files[name])
        fields = [info for path, info in catalogue(schema).items() if path not in seen]
        seen.update(info.path for info in fields)
        if fields:
            choices = tuple(Choice(i.path, f"{i.group} › {i.title}" if i.group else i.title, i.kind == "object")
                            for i in fields)
            found.append(FormChoices(name, _title_of(schema, name), choices))
    return tuple(found)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None  # the draft's check reports it


def _title_of(schema: Any, name: str) -> str:
    title = schema.get("title") if isinstance(schema, Mapping) else None
    return title if isinstance(title, str) and title.strip() else name.removesuffix(SCHEMA_SUFFIX)


def _offered(forms: Iterable[FormChoices]) -> list[str]:
    return [c.path for form in forms for c in form.choices]


def part_of(manifest: Mapping[str, Any], forms: tuple[FormChoices, ...],
            posted: MultiDict[str, str] | None = None) -> SummaryPart:
    """What the page shows: the manifest's choice, or the ``posted`` one when it is shown again."""
    declared = manifest.get(KEY)
    if declared is not None and not isinstance(declared, Mapping):
        return SummaryPart(forms, {audience: Chosen(readable=False) for audience in FIELDS}, readable=False)
    offered = set(_offered(forms))
    return SummaryPart(forms, {audience: _chosen((declared or {}).get(audience), offered, posted, audience)
                               for audience in FIELDS})


def _chosen(value: Any, offered: set[str], posted: MultiDict[str, str] | None, audience: str) -> Chosen:
    if value is not None and not isinstance(value, list):
        return Chosen(readable=False)
    items = value or []
    notes = {p: _own_label(i) for i in items if (p := _path_of(i)) in offered and isinstance(i, Mapping)}
    kept = tuple(_written(i) for i in items if _path_of(i) not in offered)
    if posted is None:
        ticked = frozenset(p for i in items if (p := _path_of(i)) in offered)
        nothing = audience == "ciudadano" and value == []
    else:
        ticked = frozenset(posted.getlist(FIELDS[audience])) & offered
        nothing = audience == "ciudadano" and posted.get(NOTHING) == "1"
    return Chosen(True, ticked, notes, kept, nothing)


def merged(manifest: Mapping[str, Any], posted: MultiDict[str, str],
           forms: tuple[FormChoices, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """The manifest with the ticked fields written into ``resumen``, and the Spanish problems by field."""
    result: dict[str, Any] = dict(manifest)
    declared = result.get(KEY)
    if posted.get(SHOWN) != "1" or (declared is not None and not isinstance(declared, Mapping)):
        return result, {}
    summary = dict(declared or {})
    problems = {}
    for audience in FIELDS:
        problem = _write(summary, audience, posted, _offered(forms))
        if problem:
            problems[FIELDS[audience]] = problem
    if summary:
        result[KEY] = summary
    else:
        result.pop(KEY, None)
    return result, problems


def _write(summary: dict[str, Any], audience: str, posted: MultiDict[str, str], offered: list[str]) -> str | None:
    """Write one audience's list into ``summary``; the problem, if the choice cannot be written."""
    value = summary.get(audience)
    if value is not None and not isinstance(value, list):
        return None  # shown as unreadable: the YAML is where it is fixed
    ticked = posted.getlist(FIELDS[audience])
    strange = [p for p in ticked if p not in offered]
    if strange:
        return _("«%(campo)s» no es un campo de los formularios del borrador: elija uno de la lista.",
                 campo=strange[0])
    items = _with_ticked(value or [], offered, set(ticked))
    if audience == "ciudadano" and posted.get(NOTHING) == "1":
        if ticked:
            return _("Marcó datos y también «Ningún dato»: desmarque uno de los dos.")
        if items:
            return _("Los datos escritos a mano en el manifiesto se conservan: si el vecino no debe ver "
                     "ninguno, quítelos del YAML.")
        summary[audience] = []
    elif items:
        summary[audience] = items
    else:
        summary.pop(audience, None)
    return None


def _with_ticked(items: list[Any], offered: list[str], ticked: set[str]) -> list[Any]:
    """The items the boxes cannot express and the ticked ones as they were, then the newly ticked."""
    known = set(offered)
    kept = [i for i in items if (p := _path_of(i)) not in known or p in ticked]
    present = {_path_of(i) for i in kept}
    return kept + [p for p in offered if p in ticked and p not in present]


def _path_of(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping) and isinstance(item.get("campo"), str):
        return str(item["campo"])
    return None


def _own_label(item: Mapping[str, Any]) -> str:
    words = []
    if isinstance(item.get("etiqueta"), str):
        words.append(_("con la etiqueta «%(etiqueta)s»", etiqueta=item["etiqueta"]))
    if item.get("formato") == "moneda":
        words.append(_("como importe"))
    elif item.get("formato") is not None:
        words.append(_("con formato «%(formato)s»", formato=item["formato"]))
    return ", ".join(words)


def _written(item: Any) -> str:
    """An item as the analyst wrote it, in YAML's short form."""
    if isinstance(item, Mapping):
        return "{" + ", ".join(f"{k}: {v}" for k, v in item.items()) + "}"
    return str(item)
