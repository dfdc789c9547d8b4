"""The local outbox of the embedded default: e-mail kept in a folder instead of sent over SMTP.

Without a mail server (``make run``) every message the platform would send is written to the
instance folder as one ``.eml`` file, and the administrators' page «Correo saliente» reads
them, so a demo shows what citizens and staff would receive and its links can be followed.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

#: A message's file name: when it was kept (sortable) and a random tail; nothing else is read.
_NAME = re.compile(r"^\d{8}T\d{6}\d{6}Z-[0-9a-f]{8}\.eml$")
#: Messages the page lists, newest first; older ones stay in the folder.
LIST_LIMIT = 200


@dataclass(frozen=True)
class KeptMail:
    """One kept message as the page shows it."""

    name: str
    to: str
    subject: str
    sent_at: datetime
    text: str


class Mailbox:
    """The folder of kept messages (created on the first one).

    :param folder: usually ``<instance>/correo``.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"Mailbox({str(self.folder)!r})"

    def keep(self, message: EmailMessage) -> str:
        """Write ``message`` as a new file (whole or not at all) and return its name."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
        partial = self.folder / f".{name}.tmp"
        partial.write_bytes(message.as_bytes(policy=policy.SMTP))
        os.replace(partial, self.folder / name)
        return name

    def messages(self, limit: int = LIST_LIMIT) -> list[KeptMail]:
        """The newest kept messages first, at most ``limit``."""
        if not self.folder.is_dir():
            return []
        names = sorted((p.name for p in self.folder.iterdir() if _NAME.match(p.name)), reverse=True)
        return [found for found in (self.message(n) for n in names[:limit]) if found is not None]

    def message(self, name: str) -> KeptMail | None:
        """One kept message by its file name; ``None`` for a name that is not one (no path escapes)."""
        path = self.folder / name
        if not _NAME.match(name) or not path.is_file():
            return None
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = parsed.get_body(("plain",)) if isinstance(parsed, EmailMessage) else None
        text = body.get_content() if body is not None else ""
        return KeptMail(name=name, to=str(parsed["To"] or ""), subject=str(parsed["Subject"] or ""),
                        sent_at=_when(parsed["Date"], name), text=str(text).replace("\r\n", "\n"))


def _when(header: str | None, name: str) -> datetime:
    """The message's ``Date``, or the time in its file name when the header cannot be read."""
    try:
        return parsedate_to_datetime(str(header)).astimezone(UTC)
    except (TypeError, ValueError):
        return datetime.strptime(name[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
