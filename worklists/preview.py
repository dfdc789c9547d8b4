"""The analysts' form preview: paste or upload a JSON Schema, a UI schema and sample data,
and try the form as a citizen would see it, with its validation and the JSON it submits.

Stateless: the schemas travel in the page's own hidden fields, nothing is stored, and an
uploaded document gets a reference made up on the spot (its bytes are not kept).
Analysts (and administrators) only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import FileStorage

import forms
from engine.identity.access import roles_required

bp = Blueprint("preview", __name__, url_prefix="/estudio/formularios", template_folder="templates")

EXAMPLE_SCHEMA = {
    "title": "Solicitud de ejemplo",
    "type": "object",
    "required": ["nombre", "correo"],
    "properties": {
        "nombre": {"type": "string", "title": "Nombre y apellido", "minLength": 3},
        "correo": {"type": "string", "format": "email", "title": "Correo electrónico"},
        "rubro": {"type": "string", "title": "Rubro", "enum": ["Comercio", "Servicios", "Industria"]},
        "superficie": {"type": "number", "title": "Superficie (m²)", "minimum": 1},
        "telefonos": {"type": "array", "title": "Teléfonos", "items": {"type": "string", "title": "Teléfono"}},
    },
}
# Sample files are small; anything bigger is not a form.
MAX_JSON_BYTES = 1024 * 1024


@dataclass
class Preview:
    """What the page shows."""

    schema_text: str
    ui_text: str = ""
    data_text: str = ""
    problems: list[str] = field(default_factory=list)
    form: Markup | None = None
    errors: forms.Errors | None = None
    submitted: str | None = None


@bp.route("/", methods=["GET", "POST"])
@roles_required("analyst")
def show() -> ResponseReturnValue:
    """The editor and the live form; a POST either loads new texts or tries the live form."""
    if request.method == "GET":
        preview = _load(json.dumps(EXAMPLE_SCHEMA, ensure_ascii=False, indent=2), "", "")
    elif request.form.get("paso") == "probar":
        preview = _try()
    else:
        preview = _load(_text("esquema"), _text("ui"), _text("datos"))
    return render_template("worklists/preview.html", preview=preview)


def _text(name: str) -> str:
    """A pasted text, or the uploaded file that replaces it."""
    upload = request.files.get(f"{name}_archivo")
    if isinstance(upload, FileStorage) and upload.filename:
        raw = upload.read(MAX_JSON_BYTES + 1)
        if len(raw) <= MAX_JSON_BYTES:
            return raw.decode("utf-8", errors="replace")
    return request.form.get(name, "")


def _parse(text: str, what: str, problems: list[str]) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        line = getattr(e, "lineno", None)
        where = f" (línea {line})" if line else ""
        problems.append(f"{what} no es JSON válido{where}.")
        return None


def _load(schema_text: str, ui_text: str, data_text: str) -> Preview:
    preview = Preview(schema_text, ui_text, data_text)
    schema = _parse(schema_text, "El esquema", preview.problems)
    ui = _parse(ui_text, "El esquema de interfaz", preview.problems)
    data = _parse(data_text, "Los datos de ejemplo", preview.problems)
    if schema is None or preview.problems:
        if schema is None and not preview.problems:
            preview.problems.append("Pegue o suba un esquema JSON para ver el formulario.")
        return preview
    # options a task takes from its data come from the sample data here (a placeholder without it)
    schema = forms.with_task_options(schema, data if isinstance(data, dict) else None)
    try:
        forms.check_schema(schema)
        preview.form = forms.render(schema, ui, data)
        if data is not None:
            preview.errors = forms.validate(schema, data)
            preview.submitted = _pretty(data)
    except forms.SchemaError as e:
        preview.problems.append(e.message)
    return preview


def _try() -> Preview:
    """The live form was submitted: an action re-renders it, a submission is validated."""
    preview = Preview(request.form.get("esquema", ""), request.form.get("ui", ""))
    schema = _parse(preview.schema_text, "El esquema", preview.problems)
    ui = _parse(preview.ui_text, "El esquema de interfaz", preview.problems)
    if schema is None:
        return _load(preview.schema_text, preview.ui_text, "")
    schema = forms.with_task_options(schema, None)
    try:
        files = _references()
        if forms.has_action(request.form):
            result = forms.apply_action(schema, request.form, files, ui)
            preview.form, preview.submitted = result.html, _pretty(result.data)
            return preview
        data = forms.parse_submission(schema, request.form, files, ui)
        choices = forms.read_choices(schema, request.form, ui)
        preview.errors = forms.validate(schema, data, choices)
        preview.form = forms.render(schema, ui, {} if data is None else data, preview.errors, choices=choices)
        preview.submitted = _pretty(data)
        preview.data_text = preview.submitted
    except forms.FormsError as e:
        preview.problems.append(e.message)
    return preview


def _references() -> dict[str, dict[str, Any]]:
    """References for uploaded documents, as the portal makes them (the preview keeps no bytes)."""
    found = {}
    for name, upload in request.files.items(multi=True):
        if not upload.filename:
            continue
        raw = upload.read()
        digest = hashlib.sha256(raw).hexdigest()
        found[name] = {
            "key": f"vista-previa/{digest}",
            "name": upload.filename,
            "content_type": upload.mimetype or "application/octet-stream",
            "size": len(raw),
            "sha256": digest,
        }
    return found


def _pretty(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
