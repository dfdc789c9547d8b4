"""The record of reads of sensitive fields: who saw which field of which case, where and when.

A table of its own rather than audit events: a read changes nothing in the case, and the
auditor lists and filters reads across all cases (by reader, case, field, period).
Rows are appended, never updated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, utcnow


class SensitiveRead(db.Model):  # type: ignore[name-defined]
    """One staff view of one sensitive field of a case."""

    __tablename__ = "sensitive_reads"
    __table_args__ = (Index("ix_sensitive_reads_reader_at", "reader", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reader: Mapped[str] = mapped_column(String(200))
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    case_number: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(300))
    #: Where it was shown: one of ``engine.privacy.reads.VIEWS`` (``expediente``, ``tarea``, ``expediente_pdf``).
    view: Mapped[str] = mapped_column(String(40))
