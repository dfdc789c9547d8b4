"""The tables of notices with legal effect: each person's electronic address and the notices sent to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, new_id


class ElectronicAddress(db.Model):  # type: ignore[name-defined]
    """A person's electronic address (domicilio electrónico): accepted once, with what they accepted."""

    __tablename__ = "notice_addresses"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The version and hash of the terms the person accepted (the text may change later).
    terms_version: Mapped[str] = mapped_column(String(20))
    terms_sha256: Mapped[str] = mapped_column(String(64))


class Notice(db.Model):  # type: ignore[name-defined]
    """A document of a case notified to its applicant through their electronic address.

    It counts as received at ``received_at``: the first time the person opened it in the
    portal (``opened_at``) or, unopened, when the legal term ended (``deemed_due_at``).
    """

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(150), index=True)
    title: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deemed_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The verification code of the signed proof (constancia de notificación), once received.
    proof_code: Mapped[str | None] = mapped_column(String(19))
