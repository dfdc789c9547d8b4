"""The local outbox «Correo saliente» (worklists/mail_outbox.py): administrators only."""

from __future__ import annotations

ADMINS = frozenset({"admin"})

TABLE: dict[str, frozenset[str]] = {
    "mail_outbox.index": ADMINS,
    "mail_outbox.show": ADMINS,
}
SAMPLE_ARGS: dict[str, str] = {}  # "name" comes from the studio tables: no kept message has it
SERVED_GET: dict[str, int] = {"mail_outbox.show": 404}
