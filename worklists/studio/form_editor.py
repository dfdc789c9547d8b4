"""The studio's form editor: a draft's forms (``*.schema.json`` with its ``*.uischema.json``),
edited as an outline of fields or as the two JSON texts side by side, with a live preview of
the form as the citizen sees it.

The page saves both files through the draft files' JSON endpoints (``PUT …/archivos/<name>``);
this module lists the draft's forms, creates a new pair and renders the preview fragment.
Analysts (and administrators) only.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from engine.errors import DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.studio import drafts
from worklists import web

bp = Blueprint("form_editor", __name__, url_prefix="/estudio/borradores", template_folder="../templates")
web.install_errors(bp)

SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"
# A form being edited is small; the preview refuses anything bigger.
MAX_PREVIEW_BYTES = 1024 * 1024


def file_stem(title: str) -> str:
    """A form's file name stem from its title: snake_case ASCII (``Solicitud de poda`` -> ``solicitud_de_poda``)."""
    ascii_text = unicodedata.normalize("NFD", title).encode("ascii", "ignore").decode().lower()
    stem = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:60].rstrip("_")
    return stem or "formulario"


def ui_name(schema_name: str) -> str:
    """The UI schema's file beside ``schema_name`` (``a/b.schema.json`` -> ``a/b.uischema.json``)."""
    return schema_name[: -len(SCHEMA_SUFFIX)] + UI_SUFFIX


def form_names(files: dict[str, bytes]) -> list[str]:
    """The draft's forms: its ``*.schema.json`` files, by name."""
    return sorted(name for name in files if name.endswith(SCHEMA_SUFFIX))


def new_form(title: str) -> tuple[bytes, bytes]:
    """The two files of a new, empty form titled ``title``."""
    schema = {"type": "object", "title": title, "properties": {}}
    return _json_bytes(schema), _json_bytes({})


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


@bp.get("/<int:draft_id>/formularios")
@roles_required("analyst")
def index(draft_id: int) -> ResponseReturnValue:
    """The draft's forms, and the form that creates one."""
    draft = drafts.get(draft_id)
    return render_template("worklists/studio/form_editor_index.html", draft=draft,
                           names=form_names(drafts.files_of(draft)), problem=None, title_value="")


@bp.post("/<int:draft_id>/formularios")
@roles_required("analyst")
def create(draft_id: int) -> ResponseReturnValue:
    """A new pair of files (schema and UI schema) named after the title; then its editor."""
    title = request.form.get("titulo", "").strip()
    with web.transaction():
        draft = drafts.get(draft_id)
        files = drafts.files_of(draft)
        name = file_stem(title) + SCHEMA_SUFFIX
        problem = None
        if not title:
            problem = _("Escriba el título del formulario.")
        elif name in files or ui_name(name) in files:
            problem = _("El borrador ya tiene el formulario «%(name)s».", name=name)
        if problem is None:
            schema, ui = new_form(title)
            actor, now = web.user().username, web.now()
            try:
                drafts.put_file(draft, name, schema, actor, now)
                drafts.put_file(draft, ui_name(name), ui, actor, now)
            except DataInvalid as e:
                problem = e.message
        if problem is not None:
            return render_template("worklists/studio/form_editor_index.html", draft=draft,
                                   names=form_names(files), problem=problem, title_value=title), 400
    return redirect(url_for("form_editor.edit", draft_id=draft_id, name=name), 303)


@bp.get("/<int:draft_id>/formularios/<path:name>")
@roles_required("analyst")
def edit(draft_id: int, name: str) -> ResponseReturnValue:
    """The editor of one form: outline, both JSON texts and the live preview."""
    draft = drafts.get(draft_id)
    files = drafts.files_of(draft)
    if not name.endswith(SCHEMA_SUFFIX) or name not in files:
        raise NotFound(_("El borrador no tiene el formulario «%(name)s».", name=name))
    ui_text = files[ui_name(name)].decode("utf-8", errors="replace") if ui_name(name) in files else "{}\n"
    return render_template("worklists/studio/form_editor.html", draft=draft, name=name, ui_name=ui_name(name),
                           schema_text=files[name].decode("utf-8", errors="replace"), ui_text=ui_text,
                           names=form_names(files), files_url=url_for("draft_files.listing", draft_id=draft.id) + "/")


@bp.post("/<int:draft_id>/formularios/vista-previa")
@roles_required("analyst")
def preview(draft_id: int) -> ResponseReturnValue:
    """The form as the citizen sees it: an HTML fragment from ``{"schema": …, "ui": …}``.

    422 ``{"title", "detail"}`` when the schema cannot be shown (the detail says why).
    """
    drafts.get(draft_id)
    if (request.content_length or 0) > MAX_PREVIEW_BYTES:
        return _problem(413, _("El formulario es demasiado grande para la vista previa."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("schema"), dict):
        return _problem(400, _("Envíe un objeto JSON con el esquema en «schema»."))
    ui = body.get("ui")
    if ui is not None and not isinstance(ui, dict):
        return _problem(400, _("El esquema de interfaz («ui») debe ser un objeto JSON."))
    try:
        schema = forms.with_task_options(body["schema"], None)  # task options: a placeholder stands in
        forms.check_schema(schema)
        html = forms.render(schema, ui)
    except forms.FormsError as e:
        return _problem(422, e.message)
    return render_template("worklists/studio/form_editor_preview.html", form=html)


def _problem(status: int, detail: str) -> ResponseReturnValue:
    return {"title": _("No se puede mostrar el formulario"), "detail": detail}, status
