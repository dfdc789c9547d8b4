"""The public guide of procedures (guía de trámites): what each procedure asks and costs.

Readable without an account. Each deployed procedure's manifest supplies the text; a
procedure started by the city itself (``guia: false`` in its manifest, such as the
container collections that sensors start) is not listed. A procedure that staff start
(``iniciado_por``) is listed with who starts it, and offers its start page in the worklists
only to those who may start it (:mod:`engine.workflow.starters`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from engine.deadlines import clock
from engine.identity.access import public
from engine.models import Deployment
from engine.workflow import deployments, starters
from portal import security
from portal.security import current_user

bp = Blueprint("guide", __name__, url_prefix="/guia")
security.install_errors(bp)


def _plain(text: str) -> str:
    """Lower case without accents: "Habilitación" is found by "habilitacion"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _listed() -> list[Deployment]:
    return [d for d in deployments.catalogue() if (d.manifest or {}).get("guia", True) is not False]


def _entry(deployment: Deployment) -> dict[str, Any]:
    manifest = deployment.manifest or {}
    return {"key": deployment.key, "name": deployment.name, "category": deployment.category or "Otros",
            "description": manifest.get("description") or "", "requirements": manifest.get("requirements") or [],
            "fees": manifest.get("fees"), "duration": clock.duration_words(manifest),
            "channels": manifest.get("channels") or []}


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """Every procedure, by category, filtered by a text search and a category."""
    query = request.args.get("q", "").strip()
    category = request.args.get("categoria", "").strip()
    entries = [_entry(d) for d in _listed()]
    categories = sorted({e["category"] for e in entries})
    if query:
        wanted = _plain(query)
        entries = [e for e in entries if wanted in _plain(f"{e['name']} {e['description']} {e['category']}")]
    if category:
        entries = [e for e in entries if e["category"] == category]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        grouped.setdefault(entry["category"], []).append(entry)
    return render_template("guide/index.html", grouped=grouped, categories=categories, query=query,
                           category=category, total=len(entries))


@bp.get("/<key>")
@public
def detail(key: str) -> ResponseReturnValue:
    """One procedure: what it is, what to bring, what it costs, how long it takes, who starts it."""
    found = next((d for d in _listed() if d.key == key), None)
    if found is None:
        abort(404)
    titles = starters.starter_titles(found) if starters.starter_groups(found) else []
    return render_template("guide/detail.html", entry=_entry(found), starters=titles,
                           staff_may_start=starters.may_start(current_user(), found))
