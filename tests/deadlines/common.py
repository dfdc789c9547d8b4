"""Helpers of the deadline tests: the bundle, the holiday table as a test wants it, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete

from engine.db import db
from engine.deadlines import clock, holidays
from engine.deadlines.models import Holiday
from engine.models import Instance
from engine.uow import unit_of_work

BUNDLE = Path(__file__).resolve().parent.parent / "data" / "deadlines" / "plazos"
KEY = "plazos_prueba"


def set_holidays(app: Flask, *days: date) -> None:
    """Replace the holiday table with ``days`` (every test empties the tables after it runs)."""
    with app.app_context():
        with unit_of_work():
            db.session.execute(delete(Holiday))
            for day in days:
                db.session.add(Holiday(day=day, name="Feriado de prueba", kind="municipal"))
        holidays.invalidate()
        db.session.remove()


def in_app(app: Flask, instance_id: str, read: Any) -> Any:
    """Call ``read(instance)`` inside the app, the way a front would."""
    with app.app_context():
        try:
            return read(db.session.get(Instance, instance_id))
        finally:
            db.session.remove()


def expected_date(app: Flask) -> Callable[[Instance], date | None]:
    """The case's expected date as a front reads it: the platform's clock, the city's zone."""
    runtime = app.extensions["tramites"]
    return lambda instance: clock.expected_date(instance, runtime.clock(), runtime.settings["TIMEZONE"])
