"""The procedure's declared duration, and the city's calendar read from the holiday table (cached)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask

from engine.db import db
from engine.deadlines import clock, holidays
from engine.deadlines.models import Holiday
from engine.uow import unit_of_work
from tests.deadlines.common import set_holidays


@pytest.mark.parametrize(("manifest", "days"), [
    ({"plazo_dias_habiles": 10}, 10),
    ({"plazo_dias_habiles": 0}, 0),
    ({"plazo_dias_habiles": "12"}, 12),
    ({"plazo_dias_habiles": 10, "expected_duration": "30 días hábiles"}, 10),  # the number wins
    ({"expected_duration": "15 días hábiles"}, 15),
    ({"expected_duration": "Hasta 5 dias habiles desde el pago"}, 5),
    ({"expected_duration": "Inmediato"}, None),
    ({"plazo_dias_habiles": -3}, None),
    ({"plazo_dias_habiles": True}, None),
    ({"plazo_dias_habiles": "diez"}, None),
    ({}, None),
    (None, None),
])
def test_the_duration_comes_from_the_manifest(manifest: Any, days: int | None) -> None:
    assert clock.duration_of(manifest) == days

ZONE = "America/Argentina/Tucuman"


def test_the_city_calendar_reads_the_table_and_caches_it_until_a_change(app: Flask) -> None:
    set_holidays(app, date(2026, 3, 3))
    with app.app_context():
        assert holidays.city_calendar(ZONE).add_business_days(date(2026, 3, 2), 1) == date(2026, 3, 4)
        assert holidays.city_calendar(ZONE).business_days_between(date(2026, 3, 2), date(2026, 3, 6)) == 3
        # A row written behind the engine's back is not seen until the cache expires or is dropped...
        with unit_of_work():
            db.session.add(Holiday(day=date(2026, 3, 4), name="Directo", kind="municipal"))
        assert holidays.city_calendar(ZONE).add_business_days(date(2026, 3, 2), 1) == date(2026, 3, 4)
        holidays.invalidate()
        assert holidays.city_calendar(ZONE).add_business_days(date(2026, 3, 2), 1) == date(2026, 3, 5)
        # ...while the engine's own use cases drop it at once.
        with unit_of_work():
            holidays.add(date(2026, 3, 5), "Otro asueto", "municipal")
        assert holidays.city_calendar(ZONE).add_business_days(date(2026, 3, 2), 1) == date(2026, 3, 6)
        with unit_of_work():
            holidays.delete(date(2026, 3, 3))
        assert holidays.city_calendar(ZONE).add_business_days(date(2026, 3, 2), 1) == date(2026, 3, 3)
        assert [h.day for h in holidays.list_year(2026)] == [date(2026, 3, 4), date(2026, 3, 5)]
        db.session.remove()


def test_the_calendar_follows_the_timezone_setting(make_app: Any) -> None:
    app = make_app(TIMEZONE="America/Argentina/Buenos_Aires")
    zone = app.extensions["tramites"].settings["TIMEZONE"]
    with app.app_context():
        assert holidays.city_calendar(zone).zone.key == "America/Argentina/Buenos_Aires"
        db.session.remove()
