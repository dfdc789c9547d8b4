"""The studio's template editor: the files of one certificate or notice template folder of a
draft (``permiso/template.html``, its CSS, ``verificacion.json``), each in a text area saved
through the draft's files API, and their preview as a PDF rendered from the draft's files with
sample data made from its forms' schemas (the same renderer and data as the deployed versions'
preview, ``worklists/template_preview.py``).

"Vista previa" first asks :func:`check`: the deploy-time check of the folder, each problem
with its file and line in Spanish; only a folder that passes is shown as a PDF (:func:`pdf`).

Analysts (and administrators) only.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import DataInvalid, EngineError, NotFound
from engine.identity.access import roles_required
from engine.models import StudioDraft
from engine.studio import drafts
from engine.workflow import templates
from worklists import web

bp = Blueprint("template_editor", __name__, url_prefix="/estudio/borradores", template_folder="../templates")
web.install_errors(bp)

ENTRY = templates.ENTRY_TEMPLATE
TEXT_SUFFIXES = (".html", ".htm", ".txt", ".css", ".json", ".svg", ".j2")
_FOLDER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}(/[a-z0-9][a-z0-9_-]{0,59}){0,2}$")
# The PDF shows inside the editor's frame: framing by our own pages only, and nothing to run.
PDF_CSP = "default-src 'none'; frame-ancestors 'self'"

STARTING_TEMPLATE = """{%% extends "plataforma/layout.html" %%}
{#- The %(folder)s: the platform's letterhead, title, case number, date and QR block, with
    this body. «datos» is what the service task passes in its «datos» parameter. -#}
{%% block estilos %%}<link rel="stylesheet" href="%(css)s">{%% endblock %%}
{%% block cuerpo %%}
  <p class="texto">La Municipalidad certifica lo que sigue.</p>
  <table class="datos">
    {%% for clave, valor in datos.items() %%}
    <tr><th scope="row">{{ clave | etiqueta }}</th><td>{{ valor | texto }}</td></tr>
    {%% endfor %%}
  </table>
{%% endblock %%}
"""


@bp.get("/<int:draft_id>/plantillas/<path:folder>")
@roles_required("analyst")
def edit(draft_id: int, folder: str) -> ResponseReturnValue:
    """Every file of the template folder: text files as text areas, the others listed."""
    draft = drafts.get(draft_id)
    own = _files_of(draft, folder)
    if not own:
        raise NotFound(_("El borrador no tiene la carpeta de plantilla «%(carpeta)s».", carpeta=folder))
    texts, others = [], []
    for name, content in sorted(own.items(), key=lambda item: (item[0] != f"{folder}/{ENTRY}", item[0])):
        text = _text_of(name, content)
        (texts if text is not None else others).append((name, text if text is not None else len(content)))
    return render_template("worklists/studio/template_editor.html", draft=draft, folder=folder, texts=texts,
                           others=others, folders=templates.folders_of(drafts.files_of(draft)),
                           missing_entry=f"{folder}/{ENTRY}" not in own, section="inicio")


@bp.post("/<int:draft_id>/plantillas")
@roles_required("analyst")
def create(draft_id: int) -> ResponseReturnValue:
    """A new template folder (field ``carpeta``) with a starting ``template.html``, its CSS and
    ``verificacion.json``."""
    folder = request.form.get("carpeta", "").strip().strip("/")[:200]
    back = web.safe_back(request.form.get("volver"), url_for("studio.home"))
    try:
        if not _FOLDER.match(folder):
            raise DataInvalid(_("El nombre de la carpeta lleva letras minúsculas, dígitos, «-» o «_» (por "
                                "ejemplo «permiso» o «plantillas/aviso»)."))
        css = folder.rsplit("/", 1)[-1] + ".css"
        with web.transaction() as ctx:
            draft = drafts.get(draft_id)
            if _files_of(draft, folder):
                raise DataInvalid(_("El borrador ya tiene la carpeta «%(carpeta)s».", carpeta=folder))
            actor, now = web.user().username, ctx.now()
            drafts.put_file(draft, f"{folder}/{ENTRY}",
                            (STARTING_TEMPLATE % {"folder": folder, "css": css}).encode(), actor, now)
            drafts.put_file(draft, f"{folder}/{css}", b"/* Estilos de la plantilla. */\n"
                            b".texto { margin: 0 0 4mm 0; }\n", actor, now)
            drafts.put_file(draft, f"{folder}/verificacion.json", b'{"campos": "todos"}\n', actor, now)
    except DataInvalid as error:
        flash(error.message, "error")
        return redirect(back)
    flash(_("Se creó la plantilla «%(carpeta)s». La tarea de servicio documentos/emitir_certificado la "
            "nombra con el parámetro plantilla «'%(carpeta)s'».", carpeta=folder), "ok")
    return redirect(url_for("template_editor.edit", draft_id=draft_id, folder=folder))


@bp.post("/<int:draft_id>/plantillas/<path:folder>/revisar")
@roles_required("analyst")
def check(draft_id: int, folder: str) -> ResponseReturnValue:
    """The folder as saved, checked as deploy checks it and then rendered as the preview renders it:
    ``{"ok", "problems": [{"file", "line", "message"}], "warnings": [...]}``."""
    files = drafts.files_of(drafts.get(draft_id))
    documents = web.runtime().documents
    try:
        found = templates.check_files(files, folder, documents.check_template)
        problems = [_problem(p) for p in found if p.get("level") != "warning"]
        warnings = [_problem(p) for p in found if p.get("level") == "warning"]
        if not problems:
            try:
                templates.preview_files(files, folder, documents.preview_template)
            except DataInvalid as error:
                problems.append({"file": f"{folder}/{ENTRY}", "line": None, "message": error.message})
    except EngineError as error:
        return jsonify(title=error.message, detail=error.message), error.status
    return jsonify(ok=not problems, problems=problems, warnings=warnings)


@bp.get("/<int:draft_id>/plantillas/<path:folder>/vista-previa.pdf")
@roles_required("analyst")
def pdf(draft_id: int, folder: str) -> ResponseReturnValue:
    """The template as an unsigned PDF with sample data (``?descargar=1``: as a download)."""
    content = templates.preview_files(drafts.files_of(drafts.get(draft_id)), folder,
                                      web.runtime().documents.preview_template)
    name = f"borrador-{draft_id}-{folder.replace('/', '_')}.pdf"
    disposition = "attachment" if request.args.get("descargar") else "inline"
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{name}"', "Cache-Control": "no-store",
        "Content-Security-Policy": PDF_CSP, "X-Frame-Options": "SAMEORIGIN"})


def _files_of(draft: StudioDraft, folder: str) -> dict[str, bytes]:
    prefix = folder.strip("/") + "/"
    return {f.name: bytes(f.content) for f in draft.files if f.name.startswith(prefix)}


def _text_of(name: str, content: bytes) -> str | None:
    if not name.endswith(TEXT_SUFFIXES):
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _problem(found: dict[str, Any]) -> dict[str, Any]:
    line = found.get("line")
    return {"file": str(found.get("file") or ""), "line": line if isinstance(line, int) else None,
            "message": str(found.get("message") or "")}
