"""The tables of the porta firma: a document waiting for signatures, and each signature it needs, in order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import UTCDateTime, db, new_id, utcnow

#: A request's states: waiting for a signature, signed by all, refused by one.
PENDING, SIGNED, REFUSED = "pendiente", "firmado", "rechazado"
#: A step's own states.
WAITING = "esperando"


class SignatureRequest(db.Model):  # type: ignore[name-defined]
    """A document a case produced that officials must sign, one after another (firma conjunta).

    It always points at the document's latest bytes: each signature is an incremental update
    stored as a new object, so the versions before it stay in the store untouched.
    """

    __tablename__ = "signature_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    #: The verification code the document prints (a row of ``certificates``).
    certificate_code: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(300))
    case_number: Mapped[str | None] = mapped_column(String(40))
    #: The message the case receives when the last official signed, or one refused.
    message: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    #: The position of the step whose official signs next (only that one sees the document).
    next_position: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Optimistic lock: two members of a group signing the same step at once, one wins, the other gets a conflict.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    steps: Mapped[list[SignatureStep]] = relationship(order_by="SignatureStep.position", back_populates="request",
                                                      cascade="all, delete-orphan")


class SignatureStep(db.Model):  # type: ignore[name-defined]
    """One signature a request needs: from a member of ``group``, signing as ``role``."""

    __tablename__ = "signature_steps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("signature_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    group: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=WAITING)
    signer: Mapped[str | None] = mapped_column(String(150))
    signer_name: Mapped[str | None] = mapped_column(String(300))
    #: The SHA-256 of the certificate that signed: the verification page recognises it by this.
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal: Mapped[str | None] = mapped_column(Text)

    request: Mapped[SignatureRequest] = relationship(back_populates="steps")
