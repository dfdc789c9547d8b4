"""Deploy-time checks of a bundle's certificate templates, and their preview with sample data.

The engine calls these through callables ``create_app`` injects (it may not import
connectors): :func:`check_template` when a bundle is validated, :func:`preview_template` for
the analysts' preview. Problems name the file (``permiso/template.html``) and, when Jinja
gives one, the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SecurityError

from connectors.documents.errors import DocumentError
from connectors.documents.folders import BASE_TEMPLATE_DIR, ENTRY_TEMPLATE, Files, folder_of, platform_folder
from connectors.documents.render import PLATFORM_PREFIX, environment, render_certificate, render_html
from connectors.documents.summary import FILE as DECLARATION
from connectors.documents.summary import declaration_problems

LAYOUT = f"{PLATFORM_PREFIX}/layout.html"
PREVIEW_URL = "https://tramites.example/verificar/VISTA-PREVIA"
PREVIEW_CODE = "VISTA-PREVIA"
PREVIEW_CASE = "EXP-0000-000000"

Problem = dict[str, Any]


def layout_blocks() -> list[str]:
    """The blocks ``plataforma/layout.html`` defines, which a template that extends it may fill."""
    source = (BASE_TEMPLATE_DIR / "layout.html").read_text(encoding="utf-8")
    return sorted(block.name for block in environment({}).parse(source).find_all(nodes.Block))


def check_template(files: Files, folder: str, data: Mapping[str, Any], strict: bool = True) -> list[Problem]:
    """Every problem of the template folder ``folder`` of a bundle's ``files``.

    :param files: every file of the bundle, by bundle-relative name.
    :param folder: the template's folder (``permiso``); ``plataforma`` is the platform's and passes.
    :param data: sample ``datos`` to render with.
    :param strict: whether ``data`` is exactly what the case passes (literal ``datos``), so that a
        datum the template names and ``data`` lacks is a problem; otherwise only the structure is.
    :return: ``[{"file", "line", "message", "level"}]`` in Spanish (``line`` may be ``None``;
        ``level`` is ``"problem"``; ``"warning"`` is reserved for advice).
    """
    try:
        own = folder_of(files, folder)
    except DocumentError as e:
        return [{"file": f"{folder}/{ENTRY_TEMPLATE}", "line": None, "message": e.message}]
    if own is platform_folder():
        return []
    env = environment(own)
    problems = _syntax_problems(env, own, folder)
    if problems:
        return problems  # a template that does not parse cannot be rendered nor its blocks read
    problems += _block_problems(env, own, folder)
    if DECLARATION in own:
        problems += [{"file": f"{folder}/{DECLARATION}", "line": None, "message": f"«{DECLARATION}» {message}."}
                     for message in declaration_problems(own[DECLARATION])]
    if not problems:
        problems += _render_problems(own, folder, data, strict)
    return problems


def _syntax_problems(env: jinja2.Environment, own: Files, folder: str) -> list[Problem]:
    problems: list[Problem] = []
    for name in sorted(own):
        if not name.endswith((".html", ".htm", ".txt")):
            continue
        try:
            env.parse(own[name].decode("utf-8"), name=name, filename=name)
        except UnicodeDecodeError:
            problems.append({"file": f"{folder}/{name}", "line": None, "message": "El archivo no está en UTF-8."})
        except jinja2.TemplateSyntaxError as e:
            problems.append({"file": f"{folder}/{name}", "line": e.lineno,
                             "message": f"Error de sintaxis en la línea {e.lineno}: {e.message}."})
    return problems


def _block_problems(env: jinja2.Environment, own: Files, folder: str) -> list[Problem]:
    """A template that extends the platform's layout may only fill the blocks the layout defines."""
    tree = env.parse(own[ENTRY_TEMPLATE].decode("utf-8"))
    extends = [node for node in tree.find_all(nodes.Extends)
               if isinstance(node.template, nodes.Const) and node.template.value == LAYOUT]
    if not extends:
        return []
    known = layout_blocks()
    return [{"file": f"{folder}/{ENTRY_TEMPLATE}", "line": block.lineno,
             "message": f"El bloque «{block.name}» no existe en {LAYOUT}; bloques: {', '.join(known)}."}
            for block in tree.find_all(nodes.Block) if block.name not in known]


class _Lenient(jinja2.ChainableUndefined):
    """A datum the sample lacks: empty, also inside ``format`` (a structural check, not a data check)."""

    def __format__(self, spec: str) -> str:
        return ""


def _render_problems(own: Files, folder: str, data: Mapping[str, Any], strict: bool) -> list[Problem]:
    """Render with sample data.

    A missing file or a refused operation is always a problem. With ``strict`` (the task's
    ``datos`` are literal, so the sample is exactly what the case passes) any failure is one;
    otherwise a failure may come from the sample alone (a datum a decision fills, a text where
    a number goes) and the case's own data decide: it is not reported.
    """
    try:
        render_html(own, data, verification_url=PREVIEW_URL, case_number=PREVIEW_CASE, title="Vista previa",
                    verification_code=PREVIEW_CODE, name=folder,
                    undefined=jinja2.StrictUndefined if strict else _Lenient)
    except DocumentError as e:
        structural = isinstance(e.__cause__, jinja2.TemplateNotFound | jinja2.TemplateSyntaxError | SecurityError)
        if structural or strict:
            return [{"file": f"{folder}/{ENTRY_TEMPLATE}", "line": None, "level": "problem",
                     "message": e.message if structural else f"Con los datos que pasa la tarea: {e.message}"}]
    return []


def preview_template(files: Files, folder: str, data: Mapping[str, Any]) -> bytes:
    """The template ``folder`` of a deployed version rendered as an unsigned PDF with sample data.

    :raises TemplateNotFoundError: no such template folder.
    :raises RenderError: the template does not render with the sample data.
    """
    return render_certificate(folder_of(files, folder), data, verification_url=PREVIEW_URL, name=folder,
                              case_number=PREVIEW_CASE, title="Vista previa", verification_code=PREVIEW_CODE,
                              issued_at=datetime.now(UTC))
