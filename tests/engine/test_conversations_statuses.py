"""Delivery statuses of WhatsApp replies: found by the reply's reference, never going back, failures kept."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from engine.conversations import statuses
from engine.conversations.models import Conversation, ConversationMessage
from engine.db import db
from engine.uow import unit_of_work

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def reply(app: Flask) -> int:
    with app.app_context(), unit_of_work():
        conversation = Conversation(channel="whatsapp", address="5493815551234", state="inicio", context={},
                                    created_at=NOW, updated_at=NOW)
        db.session.add(conversation)
        db.session.flush()
        message = ConversationMessage(conversation_id=conversation.id, direction="out", kind="text", text="Hola",
                                      data={}, status="queued", status_at=NOW, created_at=NOW)
        db.session.add(message)
        db.session.flush()
        return message.id


def status(app: Flask, wamid: str, state: str, reference: str | None, **extra: object) -> tuple[bool, str | None]:
    with app.app_context(), unit_of_work():
        found = statuses.record(wamid, {"estado": state, "fecha": NOW.isoformat(), "referencia": reference, **extra})
    with app.app_context():
        row = db.session.scalar(db.select(ConversationMessage).where(ConversationMessage.direction == "out"))
        return found, row.status if row else None


def test_statuses_follow_the_reply_and_never_go_back(app: Flask) -> None:
    row_id = reply(app)
    assert status(app, "wamid.A", "delivered", f"conv-{row_id}") == (True, "delivered")
    assert status(app, "wamid.A", "sent", None) == (True, "delivered")  # late, found by the wamid now
    assert status(app, "wamid.A", "read", None) == (True, "read")
    assert status(app, "wamid.OTRO", "read", "conv-999999") == (False, "read")
    assert status(app, "wamid.A", "failed", None, error={"codigo": 131047, "titulo": "Re-engagement"}) == (
        True, "failed")
    with app.app_context():
        assert db.session.get(ConversationMessage, row_id).data["error"]["codigo"] == 131047
