"""One inbound message of a conversation: kept once, run through the dialogue, answered.

The connector hands the engine a conversation notice (``{"kind": "conversation", "channel",
"message_id", "data"}``, docs/connectors.md); the same message delivered twice is answered once.
Nothing of its content reaches the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.conversations import actions, dialogue, handoff, outbound
from engine.conversations.dialogue import Inbound, Reply, Turn
from engine.conversations.models import Conversation, ConversationMessage
from engine.db import db
from engine.ports import DocumentStore
from engine.workflow.step import EngineContext

log = logging.getLogger(__name__)
MAX_TEXT = 4096


@dataclass(frozen=True)
class Channel:
    """What answering a conversation needs beside the engine context."""

    public_url: str
    store: DocumentStore | None = None
    #: The connectors' call when Migue's language model is on, else ``None``.
    model_call: Any = None
    #: How to reach Atención al Vecino otherwise (``MIGUE_CONTACT``).
    contact: str = ""


def receive(ctx: EngineContext, notice: dict[str, Any], channel: Channel) -> str:
    """Keep one inbound message and answer it (flushes, never commits).

    :return: ``"answered"``, or ``"repeated"`` for a message already received.
    """
    data = notice.get("data") or {}
    now = ctx.now()
    conversation = _conversation(str(notice.get("channel") or "whatsapp"), str(data.get("telefono") or ""),
                                 data.get("nombre"), now)
    message_id = str(notice.get("message_id") or "")
    if message_id and db.session.scalar(select(ConversationMessage.id).where(
            ConversationMessage.conversation_id == conversation.id, ConversationMessage.direction == "in",
            ConversationMessage.external_id == message_id)) is not None:
        return "repeated"
    message = _inbound(data)
    db.session.add(ConversationMessage(
        conversation_id=conversation.id, direction="in", kind=message.kind, text=message.text,
        data=_kept_data(data), external_id=message_id or None, created_at=now))
    conversation.last_inbound_at = _received(data, now)
    conversation.updated_at = now
    db.session.flush()
    turn = dialogue.step(conversation.state, dict(conversation.context or {}), message)
    conversation.state, conversation.context = turn.state, turn.context
    for reply in (*turn.replies, *_act(ctx, conversation, turn, channel)):
        outbound.send(ctx, conversation, reply)
    log.info("conversation %s: %s message, state %s", conversation.id, message.kind, conversation.state)
    return "answered"


def _conversation(channel: str, address: str, name: Any, now: datetime) -> Conversation:
    found = db.session.scalar(select(Conversation).where(Conversation.channel == channel,
                                                         Conversation.address == address))
    if found is None:
        found = Conversation(channel=channel, address=address, state=dialogue.START, context={},
                             created_at=now, updated_at=now)
        db.session.add(found)
    if isinstance(name, str) and name.strip():
        found.name = name.strip()[:120]
    return found


def _inbound(data: dict[str, Any]) -> Inbound:
    answer = data.get("respuesta") or {}
    attached = data.get("adjunto") or {}
    return Inbound(kind=str(data.get("tipo") or "unknown")[:20], text=str(data.get("texto") or "")[:MAX_TEXT],
                   location=data.get("ubicacion"), media_id=attached.get("id"), reply_id=answer.get("id"))


def _kept_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("ubicacion", "adjunto", "respuesta") if data.get(k)}


def _received(data: dict[str, Any], now: datetime) -> datetime:
    """When the person wrote (the window counts from it), never later than now."""
    try:
        sent = datetime.fromisoformat(str(data.get("recibido")))
    except ValueError:
        return now
    return min(sent, now) if sent.tzinfo is not None else now


def _act(ctx: EngineContext, conversation: Conversation, turn: Turn, channel: Channel) -> list[Reply]:
    if turn.action == dialogue.ACT_RECLAMO:
        return [actions.start_reclamo(ctx, conversation, turn.detail, actions.photo_fetcher(ctx, channel.store))]
    if turn.action == dialogue.ACT_PERSON:
        return [handoff.open_handoff(ctx, conversation, channel.contact)]
    if turn.action == dialogue.ACT_STATE:
        return [actions.case_state(conversation, turn.detail.get("codigo"), channel.public_url)]
    if turn.action == dialogue.ACT_RATE:
        return [actions.rate(ctx, conversation, turn.detail)]
    if turn.action == dialogue.ACT_MIGUE:
        return [actions.ask_migue(turn.detail["pregunta"], channel.public_url, channel.model_call)]
    return []
