"""The table of powers of attorney: who acts for whom, for which procedures, from when until when.

A power is written only when staff accept the power-of-attorney document (the procedure
«Apoderamiento»); it is never deleted: revoking it stamps ``revoked_at``, so the case files
that name it keep meaning something.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, new_id, utcnow


class PowerOfAttorney(db.Model):  # type: ignore[name-defined]
    """``representative`` acts for ``party`` (both usernames) in ``procedures`` (keys; empty: all)."""

    __tablename__ = "powers_of_attorney"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    representative: Mapped[str] = mapped_column(String(120), index=True)
    party: Mapped[str] = mapped_column(String(120), index=True)
    #: Space-separated procedure keys the power covers; empty covers every procedure.
    procedures: Mapped[str] = mapped_column(String(1000), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    #: The «Apoderamiento» case whose acceptance made the power effective.
    granted_in: Mapped[str | None] = mapped_column(String(36))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(120))

    @property
    def procedure_keys(self) -> list[str]:
        return self.procedures.split()

    def in_force(self, today: date) -> bool:
        """Not revoked, and ``today`` within its dates."""
        if self.revoked_at is not None or today < self.valid_from:
            return False
        return self.valid_until is None or today <= self.valid_until

    def covers(self, process_key: str) -> bool:
        return not self.procedures or process_key in self.procedure_keys
