"""Conversations are personal data (Ley 25.326): forgotten once nobody wrote for the retention period.

A conversation untouched for ``CONVERSATION_RETENTION_DAYS`` (default :data:`DEFAULT_DAYS`) is
deleted with its messages and its links to cases, and the outbox forgets the replies it sent to
conversations that long ago (their text and number); the cases keep what they were given (the
reclamo's data, the handoff's transcript) under the procedure's own records rules. A
conversation a person still attends is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from engine import audit
from engine.conversations.models import Conversation, ConversationCase, ConversationMessage
from engine.conversations.outbound import OPERATION
from engine.db import db
from engine.workflow.outbox import OutboxMessage

DEFAULT_DAYS = 180
SYSTEM = "sistema"


def forget_old(now: datetime, days: int = DEFAULT_DAYS) -> int:
    """Delete the conversations idle for ``days``; how many (an audit event counts them, never names them)."""
    cutoff = now - timedelta(days=days)
    # A reply to a conversation has no case (a process's own WhatsApp notices do); sent or given up, it is done.
    db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.operation == OPERATION, OutboxMessage.instance_id.is_(None),
        OutboxMessage.status.in_(("sent", "failed")), OutboxMessage.created_at < cutoff))
    ids = list(db.session.scalars(select(Conversation.id).where(Conversation.updated_at < cutoff,
                                                                Conversation.handoff_instance_id.is_(None))))
    if not ids:
        return 0
    db.session.execute(delete(ConversationMessage).where(ConversationMessage.conversation_id.in_(ids)))
    db.session.execute(delete(ConversationCase).where(ConversationCase.conversation_id.in_(ids)))
    db.session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
    audit.record("conversations_forgotten", SYSTEM, data={"cantidad": len(ids), "dias": days})
    return len(ids)
