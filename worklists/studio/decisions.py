"""The studio's decision table editor: one ``.dmn`` file of a draft in dmn-js's modeller.

The page loads and saves the file through the draft's files API (``draft_files``); "Revisar"
posts the table as it is on screen (saved or not) and gets back each problem with the row and
column of its cell (:mod:`engine.studio.decision_check`), which the page pins on the cell.
A new table starts from a small decision (one input, one output, two rules).

Analysts (and administrators) only.
"""

from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.studio import decision_check, drafts
from worklists import web

bp = Blueprint("decisions", __name__, url_prefix="/estudio/borradores", template_folder="../templates")
web.install_errors(bp)

_DECISION_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
MAX_CHECKED_BYTES = 2 * 1024 * 1024


@bp.get("/<int:draft_id>/decisiones/<path:name>")
@roles_required("analyst")
def edit(draft_id: int, name: str) -> ResponseReturnValue:
    """The decision table ``name`` of the draft in the modeller."""
    draft = drafts.get(draft_id)
    names = sorted(f.name for f in draft.files if drafts.kind_of(f.name) == "dmn")
    if name not in names:
        raise NotFound(_("El borrador no tiene la tabla de decisión «%(nombre)s».", nombre=name))
    return render_template("worklists/studio/decision.html", draft=draft, name=name, names=names,
                           section="inicio")


@bp.post("/<int:draft_id>/decisiones/<path:name>/revisar")
@roles_required("analyst")
def check(draft_id: int, name: str) -> ResponseReturnValue:
    """Check the table sent as the body (the editor's current XML) against the draft's other files."""
    draft = drafts.get(draft_id)
    content = request.get_data(cache=False)
    if len(content) > MAX_CHECKED_BYTES:
        return jsonify(title=_("La tabla de decisión es demasiado grande."),
                       detail=_("Admite hasta %(mb)s MB.", mb=MAX_CHECKED_BYTES // (1024 * 1024))), 413
    if not name.endswith(".dmn"):
        return jsonify(title=_("Solo se revisan archivos .dmn."), detail=name), 400
    files = dict(drafts.files_of(draft))
    files[name] = content
    problems, warnings = decision_check.check_decision(name, content, files)
    return jsonify(ok=not problems, problems=problems, warnings=warnings)


@bp.post("/<int:draft_id>/decisiones")
@roles_required("analyst")
def create(draft_id: int) -> ResponseReturnValue:
    """A new decision table in the draft (fields ``nombre`` and, optionally, ``clave``: the decision id)."""
    title = " ".join(request.form.get("nombre", "")[:200].split())
    key = request.form.get("clave", "").strip()[:60] or _key_of(title)
    back = web.safe_back(request.form.get("volver"), url_for("studio.home"))
    try:
        if not title:
            raise DataInvalid(_("Escriba el nombre de la tabla de decisión."))
        if not _DECISION_ID.match(key):
            raise DataInvalid(_("La clave de la decisión empieza con una letra y lleva solo letras, dígitos o "
                                "guiones bajos (por ejemplo «tasa_evento»)."))
        name = f"{key}.dmn"
        with web.transaction() as ctx:
            draft = drafts.get(draft_id)
            if any(f.name == name for f in draft.files):
                raise DataInvalid(_("El borrador ya tiene el archivo «%(nombre)s».", nombre=name))
            drafts.put_file(draft, name, decision_check.starting_table(key, title), web.user().username, ctx.now())
    except DataInvalid as error:
        flash(error.message, "error")
        return redirect(back)
    flash(_("Se creó la tabla de decisión «%(nombre)s». La tarea de regla de negocio la nombra con "
            "calledDecisionId «%(clave)s».", nombre=title, clave=key), "ok")
    return redirect(url_for("decisions.edit", draft_id=draft_id, name=name))


def _key_of(title: str) -> str:
    """``Tasa del evento`` → ``tasa_del_evento``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:60]
