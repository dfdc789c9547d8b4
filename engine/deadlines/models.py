"""The deadlines' tables: the city's holiday calendar and the pauses of a case's clock."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, utcnow

HOLIDAY_KINDS = ("nacional", "provincial", "municipal")


class Holiday(db.Model):  # type: ignore[name-defined]
    """A day on which the city's offices are closed: not a business day for any deadline."""

    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="nacional")  # one of HOLIDAY_KINDS
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClockPause(db.Model):  # type: ignore[name-defined]
    """A time the case's clock stood still because the case waited for the citizen.

    ``business_days`` is written when the pause ends: the business days every open deadline
    of the case moved by.
    """

    __tablename__ = "clock_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))  # the applicant's task that paused it
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    business_days: Mapped[int | None] = mapped_column(Integer)
