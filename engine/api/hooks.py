"""Inbound webhooks: ``POST /hooks/<connector>``, one generic route for every connector.

Providers that confirm a subscription first (WhatsApp's Cloud API) send a ``GET`` to the same URL
with a challenge; the connector's ``verify_subscription`` answers it.

The connector's own ``parse_webhook`` (reached through the injected
``Runtime.parse_webhook``) verifies the request and turns it into messages; each message is
then correlated like one sent to ``POST /api/v1/messages/<name>``, idempotent on its
``message_id`` in the same scope, so a notice delivered twice (or through both channels)
moves the process once.

Where the platform talks to real systems and test cases use a sandbox of their own
(``Runtime.test_connectors``: the GAF of ``/_sandbox/gaf-pruebas``), that sandbox's notices
arrive at ``POST /hooks/pruebas/<connector>``, are verified with the test connector's own secret
and reach test cases only; the real connector's notices at ``/hooks/<connector>`` then reach
real cases only. A liquidación number both systems happen to give moves only its own side.

Besides BPMN messages a connector may hand over *conversation notices* (``"kind": "conversation"``:
a person wrote on a messaging channel) and *status notices* (``"kind": "status"``: what became of
a reply sent); they go to ``engine.conversations`` in the same transaction (docs/connectors.md).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from engine.api.problems import problem
from engine.api.v1.edge import runtime, transaction
from engine.api.v1.schemas import InstanceRefSchema
from engine.conversations import inbound, statuses
from engine.ports import Connectors
from engine.web import idempotency
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
    # A connector that test cases reach through a double of their own talks to real cases only.
    real_only = _doubled(connector)
    return _receive(connectors, connector, connector, test_cases=False if real_only else None)


@bp.get("/hooks/<connector>")
def verify_subscription(connector: str) -> ResponseReturnValue:
    """Answer the provider's subscription handshake (the challenge, as plain text) when its connector verifies it."""
    connectors = runtime().connectors
    if connectors is None:
        return problem(404, "No encontrado", "Este servidor no recibe avisos de conectores.")
    try:
        challenge = connectors.verify_subscription(connector, request.args.to_dict())
    except Exception as e:  # the registry's typed errors carry their HTTP status and a safe message
        status = int(getattr(e, "status", 502))
        log.info("subscription handshake for %s refused (%s)", connector, status)
        return problem(status, "Verificación rechazada", getattr(e, "message", None) or "La verificación falló.")
    return challenge, 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.post("/hooks/pruebas/<connector>")
def receive_for_tests(connector: str) -> ResponseReturnValue:
    """A notice of the test cases' sandbox: verified with its own secret, delivered to test cases only."""
    doubles = runtime().test_connectors
    if doubles is None or not _doubled(connector):
        return problem(404, "No encontrado", f"Este servidor no tiene un sandbox de pruebas de «{connector}».")
    return _receive(doubles, connector, f"{connector}-pruebas", test_cases=True)


def _doubled(connector: str) -> bool:
    doubles = runtime().test_connectors
    return doubles is not None and any(op.startswith(connector + "/") for op in doubles.operations())


def _receive(connectors: Connectors, connector: str, source: str, test_cases: bool | None) -> ResponseReturnValue:
    try:
        notices = connectors.parse_webhook(connector, dict(request.headers), request.get_data(cache=False))
    except Exception as e:  # the connector's typed errors carry their HTTP status and a safe message
        status = int(getattr(e, "status", 502))
        message = getattr(e, "message", None) or "El aviso no pudo procesarse."
        log.info("webhook for %s refused (%s): %s", source, status, message)
        return problem(status, "Aviso rechazado", message)
    actor = ACTOR_PREFIX + source
    delivered = []
    with transaction() as ctx:
        for notice in notices:
            kind = notice.get("kind", "message")
            if kind == "conversation" and not test_cases:
                delivered.append({"kind": kind, "result": inbound.receive(ctx, notice, _channel())})
            elif kind == "status" and not test_cases:
                delivered.append({"kind": kind, "recorded": statuses.record(str(notice["message_id"]),
                                                                            notice.get("data") or {})})
            elif kind == "message":
                delivered.append(_deliver(ctx, notice, actor, test_cases))
    return {"delivered": delivered}, 202


def _channel() -> inbound.Channel:
    platform = runtime()
    # Migue's language model words the answers only where the city turned it on, as on the web.
    on = platform.connectors is not None and bool(platform.settings.get("MIGUE_MODEL_URL"))
    model_call = platform.connectors.invoke if on and platform.connectors is not None else None
    return inbound.Channel(public_url=str(platform.settings["PUBLIC_URL"]), store=platform.documents.store,
                           model_call=model_call, contact=str(platform.settings.get("MIGUE_CONTACT") or ""))


def _deliver(ctx: EngineContext, notice: dict[str, Any], actor: str, test_cases: bool | None) -> dict[str, Any]:
    name, correlation, data = notice["name"], notice["correlation"], notice["data"]

    def produce() -> tuple[int, dict[str, Any]]:
        reached, started = messages.deliver(ctx, name, correlation, data, actor, test_cases=test_cases)
        return 202, {"started": started, "instances": InstanceRefSchema(many=True).dump(reached)}

    message_id = notice.get("message_id")
    if message_id:
        body = {"name": name, "correlation": correlation, "data": data}
        # The test sandbox's event ids are its own: one may not replay (and so swallow) a real notice.
        scope = f"message:{name}" + (":pruebas" if test_cases else "")
        _, answer, _ = idempotency.once(scope, message_id, body, produce)
    else:
        _, answer = produce()
    return {"name": name, **answer}
