"""Failed steps that need an operator, and their retry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.api.auth import current_actor, requires
from engine.api.v1.edge import Blueprint, page_body, paginate, transaction
from engine.api.v1.schemas import IncidentPageSchema, IncidentSchema, PageArgs
from engine.background import jobs
from engine.models import Incident

bp = Blueprint("api_incidents", __name__, url_prefix="/api/v1", description="Incidentes")


@bp.get("/incidents")
@requires("read")
@bp.arguments(PageArgs, location="query")
@bp.response(200, IncidentPageSchema)
def list_incidents(args: dict[str, Any]) -> Any:
    """Unresolved incidents, newest first."""
    query = select(Incident).where(Incident.status != "resolved").order_by(Incident.created_at.desc())
    items, total = paginate(query, args["page"], args["per_page"])
    return page_body(items, total, args["page"], args["per_page"])


@bp.post("/incidents/<incident_id>:retry")
@requires("admin")
@bp.response(200, IncidentSchema)
def retry(incident_id: str) -> Any:
    """Run the failed step again now."""
    with transaction() as ctx:
        return jobs.retry_incident(ctx, incident_id, current_actor().name)
