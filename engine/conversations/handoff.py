"""A person on request: the conversation goes to Atención al Vecino's inbox with its transcript.

The engine starts an «Atención por WhatsApp» case (``processes/atencion_whatsapp``) whose task
lands in Atención al Vecino's inbox; the task page shows the conversation as it grows. The staff's
answer reaches the phone through the engine operation :data:`OPERATION`, which the process calls.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import audit
from engine.conversations import outbound
from engine.conversations.dialogue import START, Reply
from engine.conversations.models import Conversation, ConversationMessage
from engine.db import db
from engine.errors import NotFound
from engine.workflow import instances
from engine.workflow.step import EngineContext

PROCESS_KEY = "atencion_whatsapp"
OPERATION = "conversaciones/responder"
ACTOR = "conversaciones"
ATTENDANT = "Atención al Vecino"
#: The transcript handed over: the last messages, as many as the start form takes.
TRANSCRIPT_LENGTH = 200
WAITING = Reply("Listo: le pasamos la conversación a una persona de Atención al Vecino, que le va a responder por "
                "este chat en horario de atención. Puede seguir escribiendo; lo va a leer.")
ALREADY = Reply("Una persona de Atención al Vecino ya tiene su conversación y le va a responder por este chat.")


def transcript(conversation_id: str, zone: Any = None) -> list[dict[str, str]]:
    """The conversation's messages, oldest first: who wrote, when (ISO, UTC) and what."""
    rows = list(db.session.scalars(select(ConversationMessage)
                                   .where(ConversationMessage.conversation_id == conversation_id)
                                   .order_by(ConversationMessage.id.desc()).limit(TRANSCRIPT_LENGTH)))
    return [{**shown(m), "hora": m.created_at.isoformat()} for m in reversed(rows)]


def _who(message: ConversationMessage) -> str:
    if message.direction == "in":
        return "Vecino/a"
    return "Migue" if message.author == outbound.MIGUE else (message.author or ATTENDANT)


def _shown(message: ConversationMessage) -> str:
    data = message.data or {}
    if message.kind == "location" and data.get("ubicacion"):
        where = data["ubicacion"]
        return f"[Ubicación {where.get('lat')}, {where.get('lon')}] {message.text}".strip()
    if message.kind in ("image", "document"):
        return f"[Foto] {message.text}".strip()
    return message.text[:4096]


def open_handoff(ctx: EngineContext, conversation: Conversation, contact: str = "") -> Reply:
    """Start the «Atención por WhatsApp» case for the conversation, unless one is open already.

    :param contact: how to reach Atención al Vecino otherwise (``MIGUE_CONTACT``), said when this
        installation has not deployed ``processes/atencion_whatsapp``.
    """
    if conversation.handoff_instance_id:
        return ALREADY
    data = {"conversacion": conversation.id, "transcripcion": transcript(conversation.id)}
    if conversation.name:
        data["nombre"] = conversation.name[:120]
    try:
        instance = instances.start(ctx, PROCESS_KEY, data, ACTOR)
    except NotFound:
        conversation.state = START
        return Reply("Ahora no podemos pasar la conversación a una persona por este chat. "
                     f"Puede comunicarse con {contact or ATTENDANT}.")
    conversation.handoff_instance_id = instance.id
    audit.record("conversation_handed_over", ACTOR, instance_id=instance.id, data={"conversacion": conversation.id})
    return WAITING


def reply(ctx: EngineContext, params: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """The engine operation ``conversaciones/responder``: send the staff's answer, end the handoff.

    :param params: ``{"conversacion": id, "texto": answer}``.
    :raises NotFound: when the conversation was forgotten meanwhile (its retention ended).
    """
    conversation = db.session.get(Conversation, str(params.get("conversacion") or ""))
    if conversation is None:
        raise NotFound("La conversación de WhatsApp ya no existe (venció su plazo de conservación).")
    text = str(params.get("texto") or "").strip()[:4000]
    sent = outbound.send(ctx, conversation, Reply(text), author=ATTENDANT)
    if conversation.handoff_instance_id == facts.get("instance_id"):
        conversation.handoff_instance_id = None
        conversation.state, conversation.context = START, {}
    return {"enviado": True, "mensaje": sent.id, "plantilla": sent.kind == "template"}


def of_case(instance_id: str, data: dict[str, Any]) -> tuple[Conversation | None, list[ConversationMessage]]:
    """The conversation an «Atención por WhatsApp» case attends and its messages, oldest first.

    ``(None, [])`` when the case is not such a case or its conversation was forgotten (retention).
    """
    conversation = db.session.get(Conversation, str(data.get("conversacion") or ""))
    if conversation is None:
        return None, []
    rows = list(db.session.scalars(select(ConversationMessage)
                                   .where(ConversationMessage.conversation_id == conversation.id)
                                   .order_by(ConversationMessage.id.desc()).limit(TRANSCRIPT_LENGTH)))
    return conversation, list(reversed(rows))


def shown(message: ConversationMessage) -> dict[str, str]:
    """One message as staff read it: who wrote and what."""
    return {"de": _who(message), "texto": _shown(message)}
