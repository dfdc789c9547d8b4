"""«Mis datos» (``/mis-datos``): a person downloads everything the platform holds about them
as one JSON file (derecho de acceso, Ley 25.326) and finds how to ask for a rectification.

The file's structure is :mod:`engine.privacy.export`'s and is documented in
``docs/datos-personales.md``; a rectification is the procedure «Rectificación de datos
personales», started from the catalogue like any other.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, url_for
from flask.typing import ResponseReturnValue

from engine.identity.access import login_required
from engine.models import Document, Instance
from engine.privacy import export
from engine.web.request import runtime, transaction
from portal import security
from portal.presentation import signed_in_user

bp = Blueprint("my_data", __name__, url_prefix="/mis-datos")
security.install_errors(bp)
#: The procedure a person starts to ask for a rectification.
RECTIFICATION_KEY = "rectificacion_datos"


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """What the download holds, the download itself and the way to a rectification."""
    return render_template("portal/my_data.html", rectification=RECTIFICATION_KEY)


@bp.get("/mis-datos.json")
@login_required
def download() -> ResponseReturnValue:
    """Everything about the signed-in person, as a JSON attachment; the download is audited."""
    user = signed_in_user()

    def link(instance: Instance, document: Document) -> str:
        return url_for("cases.document", number=instance.number, document_id=document.id, _external=True)

    with transaction():
        data = export.personal_data(user, runtime().clock(), link)
        export.record_export(user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="mis-datos-{user.username}.json"',
                             "Cache-Control": "no-store"})
