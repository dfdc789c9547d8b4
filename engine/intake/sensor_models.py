"""Tables of the container sensors: fill-level readings (kept for a while) and collection episodes.

A collection episode is the span between a container filling past the threshold and its
level falling under the reset level; each one starts exactly one collection process. The
partial unique index keeps at most one open episode per container, even when two
subscribers write at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, new_id, utcnow

EPISODE_STATUSES = ("open", "closed")
_OPEN = text("status = 'open'")


class SensorReading(db.Model):  # type: ignore[name-defined]
    """One fill-level reading of a container, as received over MQTT."""

    __tablename__ = "sensor_readings"
    __table_args__ = (Index("ix_sensor_readings_container_measured", "container_id", "measured_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    container_id: Mapped[str] = mapped_column(String(64))
    nivel: Mapped[float] = mapped_column(Float)
    bateria: Mapped[float] = mapped_column(Float)
    #: The sensor's clock: when it measured.
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Ours: when the reading arrived; retention counts from it (a sensor's clock may be wrong).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CollectionEpisode(db.Model):  # type: ignore[name-defined]
    """A container full enough to be collected, from the reading that crossed the threshold on."""

    __tablename__ = "collection_episodes"
    __table_args__ = (
        Index("ix_collection_episodes_one_open", "container_id", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    container_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opening_level: Mapped[float] = mapped_column(Float)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_level: Mapped[float | None] = mapped_column(Float)
    #: The collection process this episode started.
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"), index=True)
