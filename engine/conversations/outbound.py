"""Replies to a conversation: kept in its transcript, sent through the outbox after the commit.

Inside the 24-hour customer-service window (since the person's last message) a reply goes as
it is: text, reply buttons or a list. Outside it the channel accepts only approved templates, so
the reply goes as :data:`TEMPLATE` with its text as the one parameter. Each reply carries its
transcript row's id as ``referencia``: the provider's statuses come back with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.conversations.dialogue import Reply
from engine.conversations.models import Conversation, ConversationMessage
from engine.db import db
from engine.workflow.step import EngineContext

OPERATION = "notificar/whatsapp"
WINDOW = timedelta(hours=24)
#: The approved template of a reply outside the window: «{{1}}» and a line on how to answer.
TEMPLATE, TEMPLATE_LANGUAGE, TEMPLATE_PARAMETER = "aviso_municipal", "es_AR", 1000
REFERENCE_PREFIX = "conv-"
MIGUE = "migue"


class NoChannel(Exception):
    """No connector can send the reply (permanent: the configuration lacks it)."""

    temporary = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def within_window(conversation: Conversation, now: datetime) -> bool:
    """Whether free-form messages may reach the person now (they wrote in the last 24 hours)."""
    return conversation.last_inbound_at is not None and now - conversation.last_inbound_at < WINDOW


def send(ctx: EngineContext, conversation: Conversation, reply: Reply, author: str = MIGUE) -> ConversationMessage:
    """Keep the reply in the transcript and queue it in the outbox (flushes, never commits)."""
    now = ctx.now()
    free = within_window(conversation, now)
    data: dict[str, Any] = {}
    if reply.buttons:
        data["botones"] = [{"id": i, "titulo": t} for i, t in reply.buttons]
    if reply.options:
        data["lista"] = {"boton": reply.options_button,
                         "opciones": [{"id": i, "titulo": t, **({"descripcion": d} if d else {})}
                                      for i, t, d in reply.options]}
    kind = ("interactive" if data else "text") if free else "template"
    message = ConversationMessage(conversation_id=conversation.id, direction="out", kind=kind, text=reply.text,
                                  data=data if free else {"plantilla": TEMPLATE}, author=author, status="queued",
                                  status_at=now, created_at=now)
    db.session.add(message)
    conversation.updated_at = now
    db.session.flush()
    params: dict[str, Any] = {"para": conversation.address, "referencia": f"{REFERENCE_PREFIX}{message.id}"}
    if free:
        params.update(texto=reply.text, **data)
    else:
        params["plantilla"] = {"nombre": TEMPLATE, "idioma": TEMPLATE_LANGUAGE,
                               "parametros": [reply.text[:TEMPLATE_PARAMETER]]}
    if ctx.call_connector is None:
        raise NoChannel("Esta instalación no tiene configurado el conector de WhatsApp.")
    ctx.call_connector(OPERATION, params, {"conversation_id": conversation.id})
    return message
