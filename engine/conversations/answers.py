"""The answer of a reclamo started by WhatsApp, pushed to the phone once the case closes, with the rating asked.

The background work calls :func:`due` and :func:`push` (one transaction each); each answer goes
once (``answered_at``), as free text with a list of scores inside the 24-hour window and as the
approved template outside it. The
person's next message with a score (1 to 5) rates it (``dialogue``'s ``calificar`` state).
"""

from __future__ import annotations

from sqlalchemy import select

from engine.casefile import ratings
from engine.conversations import actions, outbound
from engine.conversations.dialogue import RATING, Reply
from engine.conversations.models import Conversation, ConversationCase
from engine.db import db
from engine.models import Instance
from engine.workflow.step import EngineContext

SCORES = (("5", "5 — Excelente"), ("4", "4 — Muy buena"), ("3", "3 — Buena"), ("2", "2 — Regular"), ("1", "1 — Mala"))


def due(limit: int = 100) -> list[str]:
    """Reclamos of conversations that closed and whose answer was not pushed yet (their instance ids)."""
    return list(db.session.scalars(
        select(ConversationCase.instance_id).join(Instance, Instance.id == ConversationCase.instance_id)
        .where(ConversationCase.answered_at.is_(None), Instance.status == "completed")
        .order_by(ConversationCase.created_at).limit(limit)))


def push(ctx: EngineContext, instance_id: str) -> bool:
    """Push one closed reclamo's answer and ask for its rating (flushes, never commits)."""
    link = db.session.get(ConversationCase, instance_id)
    instance = db.session.get(Instance, instance_id)
    if link is None or instance is None or link.answered_at is not None:
        return False
    conversation = db.session.get(Conversation, link.conversation_id)
    link.answered_at = ctx.now()
    if conversation is None:
        return False
    answer = actions.answer_text(instance)
    text = f"Su reclamo {instance.number} fue respondido. {answer}".strip()
    if ratings.may_rate(instance):
        text += "\n¿Cómo calificaría la respuesta? Responda con un número del 1 (mala) al 5 (excelente)."
        if conversation.state not in ("categoria", "lugar", "foto", "descripcion", "contacto", "persona"):
            conversation.state, conversation.context = RATING, {"calificar": instance_id}
    outbound.send(ctx, conversation, Reply(text, options=tuple((i, t, "") for i, t in SCORES),
                                           options_button="Calificar"))
    return True

