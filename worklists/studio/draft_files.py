"""What the studio's editors read and write: a draft's files, its check and its deploy, and the
catalogues an analyst picks from (connector operations, groups). JSON, for the studio's own
scripts; writes carry the CSRF header like any form.

Refusals answer ``{"title", "detail"}`` with a 4xx, in Spanish: the editors show them as they are.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from engine.db import db
from engine.errors import BundleError, DeploymentInvalid, EngineError
from engine.identity.access import roles_required
from engine.identity.accounts import group_title
from engine.models import Deployment, StudioDraft
from engine.studio import drafts
from worklists import web

bp = Blueprint("draft_files", __name__, url_prefix="/estudio")

_TEXT_KINDS = {"bpmn": "application/xml", "dmn": "application/xml", "schema": "application/json",
               "uischema": "application/json", "manifest": "text/yaml"}


@bp.errorhandler(EngineError)
def _refused(error: EngineError) -> ResponseReturnValue:
    db.session.rollback()
    body: dict[str, Any] = {"title": error.message, "detail": error.message}
    if error.errors:
        body["problems"] = error.errors
    return jsonify(body), error.status


def _draft_body(draft: StudioDraft) -> dict[str, Any]:
    return {"id": draft.id, "name": draft.name, "key": draft.key, "base_key": draft.base_key,
            "base_version": draft.base_version, "updated_at": draft.updated_at.isoformat(),
            "updated_by": draft.updated_by, "deployed_version": draft.deployed_version,
            "main_bpmn": drafts.main_bpmn(draft)}


@bp.get("/borradores/<int:draft_id>/archivos")
@roles_required("analyst")
def listing(draft_id: int) -> ResponseReturnValue:
    draft = drafts.get(draft_id)
    files = [{"name": f.name, "size": len(f.content), "kind": drafts.kind_of(f.name)} for f in draft.files]
    return jsonify(draft=_draft_body(draft), files=files)


@bp.get("/borradores/<int:draft_id>/archivos/<path:name>")
@roles_required("analyst")
def read(draft_id: int, name: str) -> ResponseReturnValue:
    for item in drafts.get(draft_id).files:
        if item.name == name:
            kind = _TEXT_KINDS.get(drafts.kind_of(name), "application/octet-stream")
            mimetype = f"{kind}; charset=utf-8" if not kind.endswith("octet-stream") else kind
            if name.endswith((".html", ".css", ".txt", ".json", ".j2")):
                mimetype = "text/plain; charset=utf-8"  # shown as text, never run as a page of ours
            return Response(item.content, mimetype=mimetype, headers={"Cache-Control": "no-store"})
    return jsonify(title="El borrador no tiene ese archivo.", detail=name), 404


@bp.put("/borradores/<int:draft_id>/archivos/<path:name>")
@roles_required("analyst")
def write(draft_id: int, name: str) -> ResponseReturnValue:
    content = request.get_data(cache=False)
    with web.transaction() as ctx:
        saved = drafts.put_file(drafts.get(draft_id), name, content, web.user().username, ctx.now())
    return jsonify(name=saved, size=len(content))


@bp.delete("/borradores/<int:draft_id>/archivos/<path:name>")
@roles_required("analyst")
def remove(draft_id: int, name: str) -> ResponseReturnValue:
    with web.transaction() as ctx:
        drafts.delete_file(drafts.get(draft_id), name, web.user().username, ctx.now())
    return "", 204


@bp.post("/borradores/<int:draft_id>/revisar")
@roles_required("analyst")
def check(draft_id: int) -> ResponseReturnValue:
    """The deploy-time validation of the draft as it is saved now."""
    rt = web.runtime()
    with web.transaction() as ctx:
        problems, warnings = drafts.check(drafts.get(draft_id), ctx.now(), rt.operations(), rt.known_groups,
                                          rt.validate_params, rt.documents.check_template)
    return jsonify(ok=not problems, problems=problems, warnings=warnings)


@bp.post("/borradores/<int:draft_id>/desplegar")
@roles_required("analyst")
def deploy(draft_id: int) -> ResponseReturnValue:
    """Deploy the draft as the next version: the same validation and the same immutable version as the API."""
    rt = web.runtime()
    try:
        with web.transaction() as ctx:
            result = drafts.deploy(drafts.get(draft_id), web.user().username, ctx.now(), rt.operations(),
                                   rt.known_groups, rt.validate_params, rt.documents.check_template)
            key, version = result.deployment.key, result.deployment.version
    except (DeploymentInvalid, BundleError) as error:
        _remember_refusal(draft_id, error)
        warnings = error.warnings if isinstance(error, DeploymentInvalid) else []
        return jsonify(title=error.message, problems=error.errors or [], warnings=warnings), 422
    return jsonify(key=key, version=version, created=result.created, warnings=result.warnings,
                   url=url_for("studio.procedure", key=key)), 201 if result.created else 200


def _remember_refusal(draft_id: int, error: EngineError) -> None:
    """The refused deploy rolled back; keep its problems as the draft's last check all the same."""
    with web.transaction() as ctx:
        draft = drafts.get(draft_id)
        warnings = error.warnings if isinstance(error, DeploymentInvalid) else []
        draft.last_check = {"at": ctx.now().isoformat(), "problems": error.errors or [], "warnings": warnings}


@bp.get("/catalogo/operaciones")
@roles_required("analyst")
def operations() -> ResponseReturnValue:
    """The connector operations a service task may call, with their parameters' JSON Schema."""
    return jsonify(operations=web.runtime().connectors.describe())


@bp.get("/catalogo/grupos")
@roles_required("analyst")
def groups() -> ResponseReturnValue:
    """Groups a lane or task may name: the directory's and those deployed procedures already use,
    each with the name people read (``titles``)."""
    found = set(web.runtime().known_groups() if web.runtime().known_groups else ())
    for manifest in db.session.scalars(select(Deployment.manifest).where(Deployment.trial.is_(False))):
        found.update(str(g) for g in (manifest or {}).get("groups", []))
    return jsonify(groups=sorted(found), titles={name: group_title(name) for name in sorted(found)})
