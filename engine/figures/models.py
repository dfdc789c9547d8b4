"""The tables of the public figures: monthly aggregates the background work keeps.

They hold exact counts and are never shown as they are: ``queries.py`` and ``opendata.py``
apply the minimum count (k) when reading, so changing k never needs a recomputation.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db


class ProcedureMonth(db.Model):  # type: ignore[name-defined]
    """How one procedure did in one month (the first day of the month in the city's zone)."""

    __tablename__ = "figures_procedure_months"

    process_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    started: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    #: Finished cases whose procedure declares ``plazo_dias_habiles``, and of them the ones on time.
    with_term: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    #: Business days from start to finish of the month's finished cases.
    median_days: Mapped[float | None] = mapped_column(Float)
    p90_days: Mapped[float | None] = mapped_column(Float)
    #: The turnero: median calendar days from booking to the appointment, and how many it covers.
    appointment_wait_days: Mapped[float | None] = mapped_column(Float)
    appointments: Mapped[int] = mapped_column(Integer, default=0)
    #: The month can no longer change: never recomputed again.
    final: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReclamoCell(db.Model):  # type: ignore[name-defined]
    """The reclamos of one category made in one month inside one hex cell."""

    __tablename__ = "figures_reclamo_cells"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    cell: Mapped[str] = mapped_column(String(30), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    median_days_to_resolve: Mapped[float | None] = mapped_column(Float)
    final: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OpenDataFile(db.Model):  # type: ignore[name-defined]
    """One published open-data file: what ``/datos/abiertos`` serves."""

    __tablename__ = "open_data_files"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FiguresMonth(db.Model):  # type: ignore[name-defined]
    """Where the refresh stands with one month: whether its figures can still change.

    Kept even for a month without cases, so a quiet month is not counted again on every refresh.
    """

    __tablename__ = "figures_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    procedures_final: Mapped[bool] = mapped_column(default=False)
    reclamos_final: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
