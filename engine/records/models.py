"""The tables of records management: a case file's archive state and the disposal register."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db
from engine.models import Json

#: ``archivado``: closed, kept until ``retain_until``; ``pendiente``: retention over, listed for
#: staff approval of its disposal. An open case has no row.
STATES = ("archivado", "pendiente")


class CaseRecord(db.Model):  # type: ignore[name-defined]
    """A closed case file: who closed it, when and why, and how long it is kept."""

    __tablename__ = "records_cases"

    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="archivado", index=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    #: The folio of the closing act in the case file.
    act_folio: Mapped[int] = mapped_column(Integer)
    retention_years: Mapped[int] = mapped_column(Integer)
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: ``destruir`` or ``transferir`` (to the historical archive), from the procedure's manifest.
    disposition: Mapped[str] = mapped_column(String(20))
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DisposalAct(db.Model):  # type: ignore[name-defined]
    """One act of the disposal register: a case destroyed or transferred, kept after the case is gone.

    ``manifest`` lists what was deleted or exported (documents by folio and hash, rows per table,
    the head of the case's audit chain); ``manifest_sha256`` is the SHA-256 of its canonical JSON.
    """

    __tablename__ = "records_disposals"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20))  # destruido, transferido
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    procedure: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    manifest: Mapped[dict[str, Any]] = mapped_column(Json)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    #: Where a transferred case file was exported to (a file name in the transfer folder).
    location: Mapped[str | None] = mapped_column(String(300))
