"""Deploy bundles and read the deployed processes."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from engine.api.auth import current_actor, requires
from engine.api.v1.edge import Blueprint, page_body, runtime, transaction
from engine.api.v1.schemas import DeploymentSchema, PageArgs, ProcessDetailSchema, ProcessPageSchema
from engine.errors import BundleError
from engine.workflow import deployments, forms_io, templates
from engine.workflow.bundles import bundle_from_files, bundle_from_zip

bp = Blueprint("api_deployments", __name__, url_prefix="/api/v1", description="Despliegues y procesos")


@bp.post("/deployments")
@requires("deploy")
@bp.response(201, DeploymentSchema)
@bp.alt_response(200, schema=DeploymentSchema, description="El mismo paquete ya estaba desplegado.")
@bp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}})
def deploy() -> Any:
    """Deploy a bundle (one ``files`` part per file, or a single ``.zip``)."""
    uploads = request.files.getlist("files")
    if not uploads:
        raise BundleError("Envíe los archivos del paquete en partes «files» de multipart/form-data.")
    if len(uploads) == 1 and (uploads[0].filename or "").endswith(".zip"):
        bundle = bundle_from_zip(uploads[0].read())
    else:
        bundle = bundle_from_files({(u.filename or ""): u.read() for u in uploads})
    with transaction():
        rt = runtime()
        result = deployments.deploy(bundle, current_actor().name, rt.operations(), rt.known_groups,
                                    rt.validate_params, rt.documents.check_template)
    return result.deployment, 201 if result.created else 200


@bp.get("/processes")
@requires("read")
@bp.arguments(PageArgs, location="query")
@bp.response(200, ProcessPageSchema)
def processes(args: dict[str, Any]) -> Any:
    """Deployed process keys with their latest version."""
    latest = deployments.catalogue()
    page, per_page = args["page"], args["per_page"]
    chosen = latest[(page - 1) * per_page: page * per_page]
    items = [{"key": d.key, "name": d.name, "category": d.category, "latest_version": d.version,
              "description": (d.manifest or {}).get("description")} for d in chosen]
    return page_body(items, len(latest), page, per_page)


@bp.get("/processes/<key>")
@requires("read")
@bp.response(200, ProcessDetailSchema)
def process(key: str) -> Any:
    """Versions, manifest and start form of a process."""
    latest = deployments.latest(key)
    schema, ui_schema = forms_io.start_form(latest)
    return {"key": key, "name": latest.name, "manifest": latest.manifest, "versions": deployments.versions(key),
            "start_form": schema, "start_ui_form": ui_schema}


@bp.get("/processes/<key>/versions/<int:number>/templates/<path:folder>/preview")
@requires("deploy")
@bp.response(200, description="The template rendered as an unsigned PDF with sample data from the bundle's forms.")
def template_preview(key: str, number: int, folder: str) -> Any:
    """Preview a deployed version's certificate template (analysts: the ``deploy`` scope)."""
    pdf = templates.preview(deployments.version(key, number), folder, runtime().documents.preview_template)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{folder.replace("/", "_")}.pdf"'})
