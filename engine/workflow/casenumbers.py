"""Case numbers (expedientes): unique and gap-free per year and process family.

``EX-2026-000123-SMT-HAB``. The counter row is incremented inside the transaction that
creates the instance, so a rolled-back start gives its number back and concurrent starts
queue on the row lock instead of sharing a number.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.db import db, increment_counter, new_id
from engine.models import CaseCounter

CITY = "SMT"
#: What a test case's number starts with (see :func:`test_number`).
TEST_PREFIX = "PRUEBA-"


def family_of(key: str, manifest: dict[str, object]) -> str:
    """The family code: the manifest's ``case_prefix``, else the key's first letters."""
    prefix = manifest.get("case_prefix")
    if isinstance(prefix, str) and prefix:
        return prefix.upper()
    letters = re.sub(r"[^A-Za-z]", "", key)
    return (letters[:3] or "GEN").upper()


def allocate(family: str, now: datetime, timezone: str) -> str:
    """Take the next number of the family for the year of ``now`` in the city's zone."""
    year = now.astimezone(ZoneInfo(timezone)).year
    number = increment_counter(CaseCounter, "last", family=family, year=year)
    return f"EX-{year}-{number:06d}-{CITY}-{family}"


def test_number(family: str) -> str:
    """A test case's number, ``PRUEBA-1A2B3C4D-HAB``: outside every counter, never mistaken for a real one."""
    return f"{TEST_PREFIX}{new_id().replace('-', '')[:8].upper()}-{family}"


def is_test_number(number: str) -> bool:
    return number.startswith(TEST_PREFIX)


def last_number(family: str, year: int) -> int:
    return db.session.scalar(
        select(CaseCounter.last).where(CaseCounter.family == family, CaseCounter.year == year)
    ) or 0
