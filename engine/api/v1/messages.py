"""Messages from other systems into running processes."""

from __future__ import annotations

from typing import Any

from engine.api import idempotency
from engine.api.auth import current_actor, requires
from engine.api.v1.edge import Blueprint, transaction
from engine.api.v1.schemas import InstanceRefSchema, MessageArgs, MessageResultSchema
from engine.workflow import messages

bp = Blueprint("api_messages", __name__, url_prefix="/api/v1", description="Mensajes")


@bp.post("/messages/<name>")
@requires("messages")
@bp.arguments(MessageArgs)
@bp.response(202, MessageResultSchema)
def send(args: dict[str, Any], name: str) -> Any:
    """Correlate a message; 404 when nobody waits for it and no start event catches it.

    A repeated ``message_id`` answers with the first delivery's answer and changes nothing.
    """
    actor = current_actor().name
    with transaction() as ctx:

        def produce() -> tuple[int, dict[str, Any]]:
            reached, started = messages.deliver(ctx, name, args["correlation"], args["data"], actor)
            return 202, {"started": started, "instances": InstanceRefSchema(many=True).dump(reached)}

        if args["message_id"]:
            body_key = {"name": name, "correlation": args["correlation"], "data": args["data"]}
            status, body, _ = idempotency.once(f"message:{name}", args["message_id"], body_key, produce)
        else:
            status, body = produce()
    return body, status
