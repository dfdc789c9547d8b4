"""The forecasts table: one row per procedure or reclamo category, replaced at every refresh."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db

Json = JSON().with_variant(JSON(none_as_null=True), "postgresql")


class Forecast(db.Model):  # type: ignore[name-defined]
    """Incoming cases expected per week for one subject, with the method's error on past weeks.

    ``subject_kind`` is ``procedure`` (``subject_key`` a process key) or ``reclamo_category``
    (``subject_key`` a category code). ``weeks`` lists ``[monday ISO date, expected cases]``.
    The errors come from the backtest (:func:`engine.forecasts.method.backtest`): the method's
    and the naive last-week forecast's, on the same held-out weeks.
    """

    __tablename__ = "forecasts"

    subject_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(60))
    history_from: Mapped[date] = mapped_column(Date)
    history_days: Mapped[int] = mapped_column(Integer)
    weeks: Mapped[list[Any]] = mapped_column(Json)
    backtest_weeks: Mapped[int] = mapped_column(Integer)
    mae: Mapped[float] = mapped_column(Float)
    mape: Mapped[float | None] = mapped_column(Float)
    naive_mae: Mapped[float] = mapped_column(Float)
    naive_mape: Mapped[float | None] = mapped_column(Float)
