"""Messages from other systems into running processes, and the ones kept for a case still to wait."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.api.auth import current_actor, requires
from engine.api.v1.edge import Blueprint, page_body, paginate, transaction
from engine.api.v1.schemas import (
    BufferedMessageArgs,
    BufferedMessagePageSchema,
    InstanceRefSchema,
    MessageArgs,
    MessageResultSchema,
)
from engine.web import idempotency
from engine.workflow import messages
from engine.workflow.buffer import BufferedMessage

bp = Blueprint("api_messages", __name__, url_prefix="/api/v1", description="Mensajes")


@bp.post("/messages/<name>")
@requires("messages")
@bp.arguments(MessageArgs)
@bp.response(202, MessageResultSchema)
def send(args: dict[str, Any], name: str) -> Any:
    """Correlate a message; 404 when nobody waits for it and no start event catches it.

    With a ``ttl`` (seconds or an ISO 8601 duration, at most 30 days) a message nobody waits
    for yet is kept instead: 202 with ``buffered`` (its id and expiry), delivered to the first
    case that comes to wait for it with the same correlation before it expires.
    A repeated ``message_id`` answers with the first answer and changes nothing (a kept message
    is never kept or delivered twice).
    """
    actor = current_actor().name
    with transaction() as ctx:

        def produce() -> tuple[int, dict[str, Any]]:
            done = messages.deliver_or_keep(ctx, name, args["correlation"], args["data"], actor,
                                            ttl=args["ttl"], message_id=args["message_id"])
            kept = ({"id": done.kept.id, "expires_at": done.kept.expires_at.isoformat()}
                    if done.kept is not None else None)
            return 202, {"started": done.started, "instances": InstanceRefSchema(many=True).dump(done.instances),
                         "buffered": kept}

        if args["message_id"]:
            body_key = {"name": name, "correlation": args["correlation"], "data": args["data"]}
            if args["ttl"] is not None:  # part of the request: a repeat with another ttl is another request
                body_key["ttl"] = args["ttl"].total_seconds()
            status, body, _ = idempotency.once(f"message:{name}", args["message_id"], body_key, produce)
        else:
            status, body = produce()
    return body, status


@bp.get("/messages")
@requires("read")
@bp.arguments(BufferedMessageArgs, location="query")
@bp.response(200, BufferedMessagePageSchema)
def list_kept(args: dict[str, Any]) -> Any:
    """Messages kept for a case still to wait for them (``status``: pending, delivered or all), newest first.

    Expired ones are swept by the background work and leave a ``message_expired`` audit event.
    """
    query = select(BufferedMessage).order_by(BufferedMessage.received_at.desc(), BufferedMessage.id)
    if args["name"]:
        query = query.where(BufferedMessage.name == args["name"])
    if args["status"] == "pending":
        query = query.where(BufferedMessage.delivered_at.is_(None))
    elif args["status"] == "delivered":
        query = query.where(BufferedMessage.delivered_at.is_not(None))
    items, total = paginate(query, args["page"], args["per_page"])
    return page_body(items, total, args["page"], args["per_page"])
