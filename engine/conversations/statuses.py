"""What the provider says of the replies sent: sent, delivered, read, failed (never going back)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.conversations.models import ConversationMessage
from engine.conversations.outbound import REFERENCE_PREFIX
from engine.db import db

#: A status later in this order replaces an earlier one; ``failed`` replaces any.
ORDER = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


def record(message_id: str, data: dict[str, Any]) -> bool:
    """Record one status notice on its reply; ``False`` when no reply of ours matches it.

    :param message_id: the provider's id of the reply (WhatsApp's wamid).
    :param data: ``{"estado", "fecha", "referencia", "error"}`` as the connector parsed it.
    """
    reply = _reply(message_id, data.get("referencia"))
    if reply is None:
        return False
    status = str(data.get("estado") or "")
    if status not in ORDER or ORDER[status] < ORDER.get(reply.status or "queued", 0):
        return True  # a status that arrives late never takes a reply back
    reply.status, reply.external_id = status, message_id
    reply.status_at = datetime.fromisoformat(str(data["fecha"]))
    if data.get("error"):
        reply.data = {**(reply.data or {}), "error": data["error"]}
    return True


def _reply(message_id: str, reference: Any) -> ConversationMessage | None:
    ours = isinstance(reference, str) and reference.startswith(REFERENCE_PREFIX)
    own = str(reference)[len(REFERENCE_PREFIX):] if ours else ""
    if own.isdigit():
        found = db.session.get(ConversationMessage, int(own))
        if found is not None and found.direction == "out":
            return found
    return db.session.scalar(select(ConversationMessage).where(ConversationMessage.direction == "out",
                                                               ConversationMessage.external_id == message_id))

