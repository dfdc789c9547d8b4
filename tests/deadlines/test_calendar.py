"""The city's business-day arithmetic and SLA due times, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.deadlines.holidays import Calendar
from engine.workflow.tasks import due_date

ZONE = ZoneInfo("America/Argentina/Tucuman")
HOLIDAYS = frozenset({date(2026, 7, 9), date(2026, 7, 10), date(2026, 12, 25), date(2027, 1, 1),
                      date(2026, 9, 24)})
CITY = Calendar(ZONE, HOLIDAYS)
PLAIN = Calendar(ZONE)


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2026, 3, 2), 0, date(2026, 3, 2)),      # Monday, nothing to add
    (date(2026, 3, 2), 1, date(2026, 3, 3)),      # Monday → Tuesday
    (date(2026, 3, 6), 1, date(2026, 3, 9)),      # Friday → Monday (weekend skipped)
    (date(2026, 3, 7), 1, date(2026, 3, 9)),      # Saturday → Monday
    (date(2026, 3, 2), 5, date(2026, 3, 9)),      # a whole week
    (date(2026, 7, 8), 1, date(2026, 7, 13)),     # Independence day and the bridge Friday skipped
    (date(2026, 9, 23), 1, date(2026, 9, 25)),    # Batalla de Tucumán skipped
    (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas Friday, then the weekend
    (date(2026, 12, 31), 1, date(2027, 1, 4)),    # year end: New Year's Friday and the weekend
    (date(2026, 12, 30), 10, date(2027, 1, 14)),
])
def test_add_business_days_skips_weekends_and_holidays(start: date, n: int, expected: date) -> None:
    assert CITY.add_business_days(start, n) == expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    (date(2026, 3, 2), date(2026, 3, 2), 0),
    (date(2026, 3, 5), date(2026, 3, 2), 0),      # backwards counts nothing
    (date(2026, 3, 2), date(2026, 3, 5), 3),      # Tue, Wed, Thu
    (date(2026, 3, 6), date(2026, 3, 9), 1),      # Friday to Monday: Monday only
    (date(2026, 7, 8), date(2026, 7, 13), 1),     # two holidays and a weekend in between
    (date(2026, 12, 24), date(2027, 1, 4), 5),    # 28, 29, 30, 31 Dec and 4 Jan
    # 2026 has 261 weekdays; 1 January itself does not count; four weekday holidays fall after it.
    (date(2026, 1, 1), date(2026, 12, 31), 261 - 1 - 4),
])
def test_business_days_between_counts_after_a_up_to_b(a: date, b: date, expected: int) -> None:
    assert CITY.business_days_between(a, b) == expected


def test_the_two_operations_agree_over_two_years() -> None:
    start = date(2026, 1, 1)
    for offset in range(0, 730, 7):
        a = start + timedelta(days=offset)
        for n in (0, 1, 2, 3, 7, 23):
            assert CITY.business_days_between(a, CITY.add_business_days(a, n)) == n


def test_negative_days_and_a_calendar_without_business_days_are_refused() -> None:
    with pytest.raises(ValueError):
        CITY.add_business_days(date(2026, 3, 2), -1)
    closed = Calendar(ZONE, frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(4000)))
    with pytest.raises(ValueError):
        closed.add_business_days(date(2026, 1, 1), 1)


def test_end_of_day_is_local_midnight_minus_a_second_stored_in_utc() -> None:
    # Tucumán is UTC−3 all year: 23:59:59 local is 02:59:59 UTC the next day.
    assert CITY.end_of_day(date(2026, 3, 4)) == datetime(2026, 3, 5, 2, 59, 59, tzinfo=UTC)
    assert CITY.local_date(datetime(2026, 3, 5, 1, 0, tzinfo=UTC)) == date(2026, 3, 4)


# Monday 2 March 2026, 09:00 in Tucumán.
READY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("sla", "due"), [
    ("P3D", datetime(2026, 3, 6, 2, 59, 59, tzinfo=UTC)),     # end of Thursday 5 March, local
    ("P5D", datetime(2026, 3, 10, 2, 59, 59, tzinfo=UTC)),    # end of Monday 9 March: the weekend is skipped
    ("P1W", datetime(2026, 3, 10, 2, 59, 59, tzinfo=UTC)),    # a week is five business days
    ("PT4H", datetime(2026, 3, 2, 16, 0, tzinfo=UTC)),        # hours stay clock hours
    ("PT30M", datetime(2026, 3, 2, 12, 30, tzinfo=UTC)),
    ("P1DT2H", datetime(2026, 3, 3, 14, 0, tzinfo=UTC)),      # next business day, same time, plus two hours
    ("P1M", datetime(2026, 4, 3, 2, 59, 59, tzinfo=UTC)),     # calendar month: 2 April (a business day here)
    ("'P3D'", datetime(2026, 3, 6, 2, 59, 59, tzinfo=UTC)),   # quoted, as timer expressions are written
])
def test_sla_days_are_business_days_ending_at_the_end_of_the_local_day(sla: str, due: datetime) -> None:
    assert due_date(sla, READY, PLAIN) == due


def test_sla_late_in_the_local_evening_counts_from_the_local_date() -> None:
    # Friday 6 March, 22:30 in Tucumán is already Saturday in UTC: P1D is due on Monday 9 March.
    friday_night = datetime(2026, 3, 7, 1, 30, tzinfo=UTC)
    assert due_date("P1D", friday_night, PLAIN) == datetime(2026, 3, 10, 2, 59, 59, tzinfo=UTC)


def test_sla_skips_holidays_and_month_ends_on_business_days() -> None:
    ready = datetime(2026, 7, 8, 12, 0, tzinfo=UTC)  # Wednesday before 9 and 10 July
    assert due_date("P1D", ready, CITY) == datetime(2026, 7, 14, 2, 59, 59, tzinfo=UTC)
    # One month after 24 August is 24 September, Batalla de Tucumán: the next business day.
    assert due_date("P1M", datetime(2026, 8, 24, 12, 0, tzinfo=UTC), CITY) == datetime(2026, 9, 26, 2, 59, 59,
                                                                                       tzinfo=UTC)


@pytest.mark.parametrize("sla", [None, "", "tres días", "P", "PT", 3])
def test_unreadable_slas_give_no_due_date(sla: object) -> None:
    assert due_date(sla, READY, CITY) is None


def test_without_a_calendar_days_are_calendar_days() -> None:
    assert due_date("P3D", READY) == READY + timedelta(days=3)
