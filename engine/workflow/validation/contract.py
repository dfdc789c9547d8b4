"""The contract between an analyst's bundle and the platform, written down once.

Which manifest keys the platform reads, which extension properties and elements of a task it
honours, and which blocks the ``plataforma`` certificate layout offers. The analyst's guide
(``docs/guia-analista.md``) documents each of them and a test checks that it does; the
validator warns about a manifest key nobody reads, with the nearest known key as a suggestion,
since a misspelt key (``plazo_dias_habil``) is otherwise silently ignored.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from engine.workflow.bundles import SPIFF_NS, Bundle

MANIFEST_FILE = "manifest.yaml"
_BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_PROPERTY_PATH = f"./{{{_BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"


@dataclass(frozen=True)
class ManifestKey:
    """One key of ``manifest.yaml``: its JSON shape and what it does, in the analyst's words."""

    shape: type | tuple[type, ...]
    kind: str
    description: str
    #: The value names a file of the bundle, which must be there.
    names_file: bool = False


def _key(shape: type | tuple[type, ...], kind: str, description: str, names_file: bool = False) -> ManifestKey:
    return ManifestKey(shape, kind, description, names_file)


#: Every manifest key the platform reads (the engine, the portal, the worklists).
MANIFEST_KEYS: Mapping[str, ManifestKey] = MappingProxyType({
    "key": _key(str, "texto", "Id del proceso BPMN ejecutable que inicia un caso."),
    "name": _key(str, "texto", "Nombre del trámite en la guía, las bandejas y los certificados."),
    "case_prefix": _key(str, "texto", "Familia de los números de expediente (1 a 8 letras o dígitos)."),
    "category": _key(str, "texto", "Categoría de la guía de trámites."),
    "description": _key(str, "texto", "Descripción que la guía muestra a la ciudadanía."),
    "requirements": _key(list, "lista de textos", "Requisitos que la guía enumera."),
    "fees": _key((str, int, float), "texto", "Aranceles, como texto para la guía."),
    "expected_duration": _key(str, "texto", "Duración esperada, como texto para la guía."),
    "plazo_dias_habiles": _key(int, "número entero", "Duración en días hábiles: la fecha prevista del caso."),
    "channels": _key(list, "lista de textos", "Canales por los que se inicia (web, presencial…)."),
    "guia": _key(bool, "sí/no", "false: no aparece en la guía pública (lo inicia otro sistema)."),
    "iniciado_por": _key(list, "lista de grupos", "Grupos del personal que lo inician desde su bandeja."),
    "start_form": _key(str, "archivo", "Esquema JSON del formulario de inicio.", names_file=True),
    "start_ui_form": _key(str, "archivo", "Esquema de interfaz del formulario de inicio.", names_file=True),
    "pago": _key(dict, "mapa {mensaje, boleta}",
                 "Paso de pago: el mensaje que espera el caso y la variable con la boleta de GAF."),
    "resumen": _key(dict, "mapa {ciudadano, personal, seguimiento}",
                    "Qué campos del caso ve la ciudadanía, cuáles el personal y cuál es la respuesta pública."),
    "archivo": _key(dict, "mapa {conservacion_anios, destino, cierre_automatico_dias}",
                    "Gestión documental: años que se conserva el expediente cerrado, su destino al terminar "
                    "(destruir o transferir al archivo histórico) y, si se indica, a cuántos días de "
                    "finalizado se cierra solo."),
    "rechazo": _key(dict, "mapa {campo, valores}",
                    "Qué dato del caso terminado, con cuáles valores, cuenta como solicitud rechazada en las "
                    "cifras públicas."),
})

#: Keys the platform writes into a deployed manifest itself; an analyst's value is replaced.
COMPUTED_MANIFEST_KEYS: frozenset[str] = frozenset({"message_starts", "groups"})

#: Keys whose values ``engine.workflow.validation`` checks precisely already (as problems).
_CHECKED_ELSEWHERE: frozenset[str] = frozenset({"case_prefix", "iniciado_por", "plazo_dias_habiles", "archivo",
                                                "rechazo"})

#: ``spiffworkflow:property`` names of a task that the platform reads.
EXTENSION_PROPERTIES: Mapping[str, str] = MappingProxyType({
    "formJsonSchemaFilename": "Esquema JSON del formulario de la tarea.",
    "formUiSchemaFilename": "Esquema de interfaz (UI schema) del formulario.",
    "candidateGroup": "Grupo que recibe la tarea, en lugar del que da el carril.",
    "forApplicant": "true: la tarea es de quien inició el caso.",
    "sla": "Plazo de la tarea, duración ISO 8601 (P3D = 3 días hábiles).",
    "dueDate": "Lo mismo que sla (nombre alternativo).",
    "priority": "Prioridad en la bandeja (número entero, mayor primero).",
})

#: ``spiffworkflow:`` extension elements the engine reads (besides the properties above).
EXTENSION_ELEMENTS: Mapping[str, str] = MappingProxyType({
    "instructionsForEndUser": "Instrucciones sobre el formulario (plantilla Jinja).",
    "preScript": "Guion que corre antes de la tarea.",
    "postScript": "Guion que corre después de la tarea.",
    "serviceTaskOperator": "Operación de conector de una tarea de servicio, con resultVariable.",
    "parameter": "Parámetro de la operación: una expresión Python.",
    "retry": "Reintentos de una tarea de servicio (retries, backoff_base).",
    "calledDecisionId": "Decisión DMN de una tarea de regla de negocio.",
    "messageVariable": "Variable que recibe el contenido de un mensaje.",
    "processVariableCorrelation": "Valor del caso con que se correlaciona un mensaje.",
})

_BLOCK = re.compile(r"{%-?\s*block\s+(\w+)\s*-?%}")


def layout_blocks(template_text: str) -> list[str]:
    """The names of the ``{% block %}`` tags of a Jinja template, in order of appearance."""
    return list(dict.fromkeys(_BLOCK.findall(template_text)))


def layout_blocks_of(path: Path) -> list[str]:
    """The blocks of the template file at ``path`` (the ``plataforma`` layout's, when injected).

    The connector package that holds the layout is a leaf the engine may not import, so
    whoever needs these names passes the file.
    """
    return layout_blocks(path.read_text(encoding="utf-8"))


def suggestion(name: str, known: list[str] | tuple[str, ...] | frozenset[str]) -> str | None:
    """The known name closest to a misspelt one, or ``None`` when none is close enough."""
    lowered = {k.lower(): k for k in known}  # case is the likeliest slip: ``Start_Form`` is ``start_form``
    if name.lower() in lowered:
        return lowered[name.lower()]
    found = difflib.get_close_matches(name.lower(), sorted(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


Warn = Callable[[str, str, str], None]


def check_bundle(bundle: Bundle, warn: Warn, problem: Warn) -> None:
    """Check what the bundle declares against the contract: manifest keys and task properties.

    :param warn: ``(file, element, message)`` for a warning.
    :param problem: the same, for a problem that stops the deployment.
    """
    check_manifest(bundle.manifest, bundle.files, warn, problem)
    for name in bundle.names(".bpmn"):
        check_task_properties(name, bundle.files[name], warn)


def check_task_properties(file: str, content: bytes, warn: Warn) -> None:
    """Warn about a ``spiffworkflow:property`` the platform does not read (a misspelt
    ``candidateGrup`` would silently route the task by its lane).

    A file that does not parse is left alone: the validator already reports it.
    """
    try:
        root = safe_fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        return
    for element in root.iter():
        for prop in element.findall(_PROPERTY_PATH):
            name = prop.get("name") or ""
            if name not in EXTENSION_PROPERTIES:
                warn(file, element.get("id") or "", _unknown_property_message(name))


def _unknown_property_message(name: str) -> str:
    message = f"La plataforma no lee la propiedad «{name}» de la tarea."
    near = suggestion(name, frozenset(EXTENSION_PROPERTIES))
    return f"{message} ¿Quiso decir «{near}»?" if near else message


def check_manifest(manifest: Mapping[str, Any], files: Mapping[str, bytes], warn: Warn, problem: Warn) -> None:
    """Warn about unknown keys and values of the wrong shape; a named file that is missing is a problem.

    :param files: the bundle's files by name.
    :param warn: ``(file, element, message)`` for a warning.
    :param problem: the same, for a problem that stops the deployment.
    """
    for name, value in manifest.items():
        spec = MANIFEST_KEYS.get(str(name))
        if spec is None:
            if name not in COMPUTED_MANIFEST_KEYS:
                warn(MANIFEST_FILE, str(name), _unknown_key_message(str(name)))
            continue
        if value is None or name in _CHECKED_ELSEWHERE:
            continue
        if not isinstance(value, spec.shape) or (spec.shape is int and isinstance(value, bool)):
            warn(MANIFEST_FILE, str(name), f"«{name}» debería ser {spec.kind}; la plataforma puede ignorarlo.")
        elif spec.names_file and value not in files:
            problem(MANIFEST_FILE, str(name), f"«{name}» nombra el archivo «{value}», que no está en el paquete.")


def _unknown_key_message(name: str) -> str:
    message = f"La plataforma no lee la clave «{name}» del manifiesto."
    near = suggestion(name, frozenset(MANIFEST_KEYS))
    return f"{message} ¿Quiso decir «{near}»?" if near else message
