"""The tables of conversations: one per person and channel, its messages, and the cases it started."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, new_id
from engine.models import Json


class Conversation(db.Model):  # type: ignore[name-defined]
    """A person's conversation on one channel: where the dialogue stands and when they last wrote.

    ``address`` is the person's number on the channel (personal data: never logged). ``state`` and
    ``context`` are the dialogue's (``engine.conversations.dialogue``); ``handoff_instance_id`` is the
    «Atención por WhatsApp» case while a person attends it.
    """

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_conversations_channel_address"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(40), default="inicio")
    context: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    handoff_instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    #: The last message the person sent: the 24-hour customer-service window counts from it.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ConversationMessage(db.Model):  # type: ignore[name-defined]
    """One message of a conversation, in (from the person) or out (to them).

    ``external_id`` is the provider's id (WhatsApp's wamid): an inbound message delivered twice is
    kept once. ``status`` follows an outbound message (queued, sent, delivered, read, failed).
    """

    __tablename__ = "conversation_messages"
    __table_args__ = (UniqueConstraint("conversation_id", "direction", "external_id",
                                       name="uq_conversation_messages_external"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in, out
    kind: Mapped[str] = mapped_column(String(20))  # text, location, image, interactive, template…
    text: Mapped[str] = mapped_column(Text, default="")
    #: Location, media reference, chosen option, template name: what is not plain text.
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: Who wrote an outbound message: ``migue`` (the dialogue) or the staff member who replied.
    author: Mapped[str | None] = mapped_column(String(150))
    external_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(20))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationCase(db.Model):  # type: ignore[name-defined]
    """A reclamo a conversation started: its answer is pushed once (``answered_at``), then rated."""

    __tablename__ = "conversation_cases"

    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    tracking_code: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
