"""Inbound webhooks: ``POST /hooks/<connector>``, one generic route for every connector.

The connector's own ``parse_webhook`` (reached through the injected
``Runtime.parse_webhook``) verifies the request and turns it into messages; each message is
then correlated like one sent to ``POST /api/v1/messages/<name>``, idempotent on its
``message_id`` in the same scope, so a notice delivered twice (or through both channels)
moves the process once.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from engine.api import idempotency
from engine.api.problems import problem
from engine.api.v1.edge import runtime, transaction
from engine.api.v1.schemas import InstanceRefSchema
from engine.workflow import messages
from engine.workflow.step import EngineContext

bp = Blueprint("hooks", __name__)
log = logging.getLogger(__name__)
ACTOR_PREFIX = "webhook:"


@bp.post("/hooks/<connector>")
def receive(connector: str) -> ResponseReturnValue:
    """Verify the notice with its connector, then deliver every message it carries."""
    connectors = runtime().connectors
    if connectors is None:
        return problem(404, "No encontrado", "Este servidor no recibe avisos de conectores.")
    try:
        notices = connectors.parse_webhook(connector, dict(request.headers), request.get_data(cache=False))
    except Exception as e:  # the connector's typed errors carry their HTTP status and a safe message
        status = int(getattr(e, "status", 502))
        message = getattr(e, "message", None) or "El aviso no pudo procesarse."
        log.info("webhook for %s refused (%s): %s", connector, status, message)
        return problem(status, "Aviso rechazado", message)
    actor = ACTOR_PREFIX + connector
    delivered = []
    with transaction() as ctx:
        for notice in notices:
            delivered.append(_deliver(ctx, notice, actor))
    return {"delivered": delivered}, 202


def _deliver(ctx: EngineContext, notice: dict[str, Any], actor: str) -> dict[str, Any]:
    name, correlation, data = notice["name"], notice["correlation"], notice["data"]

    def produce() -> tuple[int, dict[str, Any]]:
        reached, started = messages.deliver(ctx, name, correlation, data, actor)
        return 202, {"started": started, "instances": InstanceRefSchema(many=True).dump(reached)}

    message_id = notice.get("message_id")
    if message_id:
        body = {"name": name, "correlation": correlation, "data": data}
        _, answer, _ = idempotency.once(f"message:{name}", message_id, body, produce)
    else:
        _, answer = produce()
    return {"name": name, **answer}
