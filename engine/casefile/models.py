"""The portal's tables: drafts, uploads awaiting a case, tracking codes, notification marks, ratings.

Notifications have no table of their own: they are read from the audit trail of the
citizen's cases; only how far each person has read is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, new_id, utcnow
from engine.models import Json


class TrackingCode(db.Model):  # type: ignore[name-defined]
    """The opaque public code of a case (random, so it says nothing about the person)."""

    __tablename__ = "portal_tracking_codes"

    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseRating(db.Model):  # type: ignore[name-defined]
    """How the person rated the answer to a closed case (1 to 5, an optional comment): one per case."""

    __tablename__ = "portal_case_ratings"

    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: Who rated: the citizen's username, or ``seguimiento`` for whoever held the tracking code.
    actor: Mapped[str] = mapped_column(String(150))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Draft(db.Model):  # type: ignore[name-defined]
    """A half-filled start form, one per person and procedure, stored without validation."""

    __tablename__ = "portal_drafts"
    __table_args__ = (UniqueConstraint("user_id", "process_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingUpload(db.Model):  # type: ignore[name-defined]
    """A file a person uploaded for a form not submitted yet (a new case or a draft).

    The form keeps only a reference; on submission the reference is checked against these
    rows (a person can only hand in what they uploaded) and the row goes away. A row also
    keeps its stored object from the sweep, until it is released.
    """

    __tablename__ = "portal_uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the file is for: ``inicio:<process key>`` (a new case) or ``caso:<instance id>`` (a task's form).
    scope: Mapped[str] = mapped_column(String(150))
    storage_key: Mapped[str] = mapped_column(String(64), index=True)
    display_name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the upload stopped being wanted (its draft discarded, or left behind for a week).
    #: A released upload is no longer the person's to hand in, but it still counts against
    #: their quota until the sweep has deleted its object (``engine/casefile/sweep.py``).
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationMark(db.Model):  # type: ignore[name-defined]
    """How far a person has read their notifications: the id of the last audit event seen."""

    __tablename__ = "portal_notification_marks"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_up_to: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
