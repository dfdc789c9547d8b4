"""Test cases over REST: what an analyst's tool does on ``/estudio/pruebas`` (``deploy`` scope).

Start a test case of a version, move its clock forward, delete it. Real cases refuse both
moves and deletion (409); see :mod:`engine.workflow.testcases`.
"""

from __future__ import annotations

from typing import Any

from engine.api.auth import current_actor, requires
from engine.api.v1.edge import Blueprint, runtime, transaction
from engine.api.v1.schemas import ClockArgs, StartArgs, TestCaseSchema
from engine.workflow import deployments, testcases

bp = Blueprint("api_test_cases", __name__, url_prefix="/api/v1", description="Casos de prueba")


@bp.post("/processes/<key>/versions/<int:number>/test-cases")
@requires("deploy")
@bp.arguments(StartArgs)
@bp.response(201, TestCaseSchema)
def start(args: dict[str, Any], key: str, number: int) -> Any:
    """Start a test case of this version: numbered ``PRUEBA-…``, never counted nor notified."""
    with transaction() as ctx:
        deployment = deployments.version(key, number)
        return testcases.start(ctx, deployment, args["data"], current_actor().name)


@bp.post("/instances/<instance_id>/clock")
@requires("deploy")
@bp.arguments(ClockArgs)
@bp.response(200, TestCaseSchema)
def advance(args: dict[str, Any], instance_id: str) -> Any:
    """Move a test case's clock forward (``P3D``, ``PT5H``, seconds, or business days); due timers fire at once."""
    with transaction() as ctx:
        if "business_days" in args:
            amount = testcases.business_days_ahead(ctx, instance_id, args["business_days"])
        else:
            amount = testcases.parse_advance(args["advance"])
        return testcases.advance(ctx, instance_id, amount, current_actor().name)


@bp.delete("/instances/<instance_id>")
@requires("deploy")
@bp.response(204)
def delete(instance_id: str) -> Any:
    """Delete a test case with its tasks, documents and messages (a real case: 409)."""
    with transaction() as ctx:
        testcases.delete(instance_id, current_actor().name,
                         testcases.discard_after_commit(ctx, runtime().documents.store))
    return ""
