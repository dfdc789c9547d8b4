"""The demo's offices and appointments in a test app, with the platform's clock pinned at the seed's NOW."""

from __future__ import annotations

from datetime import date

from flask import Flask

from engine.appointments import demo
from engine.deadlines.holidays import city_calendar
from engine.uow import unit_of_work
from tests.appointments.seed import NOW


def seed_demo(app: Flask) -> date:
    """Seed the demo (committed); return the next business day, which holds booked appointments."""
    app.extensions["tramites"].clock = lambda: NOW
    with app.app_context(), unit_of_work():
        calendar = city_calendar("America/Argentina/Tucuman")
        demo.seed(NOW, calendar)
        return calendar.add_business_days(calendar.local_date(NOW), 1)
