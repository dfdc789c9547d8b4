"""A seeded data set of known shape for the figures' tests, and the figures computed from it directly.

The expected figures are computed here with plain loops over the seeded rows (day by day
business days, ``statistics.median``, nearest rank by index), not with ``engine.figures``, so a
mistake in the engine's aggregation shows as a mismatch.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.db import db
from engine.deadlines.models import ClockPause, Holiday
from engine.models import Deployment, Instance

ZONE = ZoneInfo("America/Argentina/Tucuman")
NOW = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
HOLIDAY = date(2026, 2, 16)  # Carnaval: not a business day
#: Every holiday of the calendar the seed ran with (the app seeds the national ones).
HOLIDAYS: set[date] = set()
TERM = 10
PERMISO = "permiso_demo"
CONSTANCIA = "constancia_demo"
#: Where the crowded cell's baches are (6 of them, k = 5) and the sparse cell's alumbrado (3).
CROWDED = (-26.8300, -65.2050)
SPARSE = (-26.8100, -65.2500)


@dataclass
class Seeded:
    """What was seeded: each case as the test needs it, and the pauses by case."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    paused: dict[str, int] = field(default_factory=dict)


def _deployment(key: str, name: str, manifest: dict[str, Any]) -> Deployment:
    found = Deployment(key=key, version=1, name=name, content_hash=key.ljust(64, "0")[:64],
                       manifest={"key": key, "name": name, **manifest}, spec={}, processes=[key],
                       deployed_by="test", deployed_at=NOW - timedelta(days=400))
    db.session.add(found)
    db.session.flush()
    return found


def _case(deployment: Deployment, n: int, created: datetime, ended: datetime | None, status: str,
          data: dict[str, Any], is_test: bool = False) -> Instance:
    instance = Instance(number=f"EX-SEED-{deployment.key}-{n:05d}", deployment_id=deployment.id,
                        process_key=deployment.key, version=1, started_by="seed", state={}, data=data,
                        status=status, created_at=created, updated_at=ended or created, completed_at=ended,
                        is_test=is_test)
    db.session.add(instance)
    return instance


def seed(rng_seed: int = 25) -> Seeded:
    """Seed two procedures over January to March 2026 and reclamos in two cells; flush."""
    rng = random.Random(rng_seed)
    if db.session.get(Holiday, HOLIDAY) is None:
        db.session.add(Holiday(day=HOLIDAY, name="Carnaval", kind="nacional"))
    db.session.flush()
    HOLIDAYS.clear()
    HOLIDAYS.update(db.session.scalars(select(Holiday.day)))
    permiso = _deployment(PERMISO, "Permiso de prueba", {"plazo_dias_habiles": TERM,
                                                          "rechazo": {"campo": "decision", "valores": ["rechazar"]}})
    constancia = _deployment(CONSTANCIA, "Constancia de prueba", {})
    seeded = Seeded()
    start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    for n in range(120):
        deployment = permiso if n % 2 else constancia
        created = start + timedelta(minutes=rng.randrange(0, 75 * 24 * 60))
        ended = created + timedelta(hours=rng.randrange(1, 30 * 24))
        status = "completed" if ended <= NOW and rng.random() < 0.85 else "running"
        decision = rng.choice(["aprobar", "aprobar", "rechazar"])
        instance = _case(deployment, n, created, ended if status == "completed" else None, status,
                         {"decision": decision})
        db.session.flush()
        if status == "completed" and rng.random() < 0.3:
            days = rng.randrange(1, 6)
            db.session.add(ClockPause(instance_id=instance.id, started_at=created + timedelta(hours=1),
                                      ended_at=created + timedelta(hours=2), business_days=days))
            seeded.paused[instance.id] = days
        seeded.cases.append({"id": instance.id, "key": deployment.key, "created": created,
                             "ended": instance.completed_at, "status": status, "decision": decision})
    # A test case never counts.
    _case(permiso, 999, datetime(2026, 2, 10, 15, tzinfo=UTC), datetime(2026, 2, 11, 15, tzinfo=UTC),
          "completed", {"decision": "rechazar"}, is_test=True)
    _seed_reclamos(seeded)
    db.session.flush()
    return seeded


def _seed_reclamos(seeded: Seeded) -> None:
    reclamo = _deployment("reclamo", "Reclamo", {})
    made = datetime(2026, 2, 3, 14, 0, tzinfo=UTC)
    for n in range(6):  # the crowded cell: 6 baches, 4 of them resolved after n + 1 business-day-ish spans
        ended = made + timedelta(days=n + 1) if n < 4 else None
        case = _case(reclamo, n, made, ended, "completed" if ended else "running",
                     {"categoria": "baches", "ubicacion": {"lat": CROWDED[0] + n * 1e-4, "lon": CROWDED[1]}})
        seeded.cases.append({"key": "reclamo", "created": made, "ended": ended, "cell": "crowded",
                             "category": "baches", "id": case.number})
    for n in range(3):  # the sparse cell: fewer than k
        _case(reclamo, 100 + n, made, None, "running",
              {"categoria": "alumbrado", "ubicacion": {"lat": SPARSE[0], "lon": SPARSE[1]}})


def business_days(a: datetime, b: datetime) -> int:
    """Business days after ``a``'s city date up to ``b``'s, counted day by day."""
    day, end, count = a.astimezone(ZONE).date(), b.astimezone(ZONE).date(), 0
    while day < end:
        day += timedelta(days=1)
        count += day.weekday() < 5 and day not in HOLIDAYS
    return count


def add_business_days(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in HOLIDAYS:
            n -= 1
    return day


def month(moment: datetime) -> date:
    return moment.astimezone(ZONE).date().replace(day=1)


def expected_procedure_months(seeded: Seeded) -> dict[tuple[str, date], dict[str, Any]]:
    """Started, finished, refused, on time, median and p90 per (procedure, month), straight from the seed."""
    out: dict[tuple[str, date], dict[str, Any]] = defaultdict(lambda: {"started": 0, "days": [], "refused": 0,
                                                                      "on_time": 0})
    for case in (c for c in seeded.cases if c["key"] != "reclamo"):
        out[(case["key"], month(case["created"]))]["started"] += 1
        if case["status"] != "completed":
            continue
        row = out[(case["key"], month(case["ended"]))]
        row["days"].append(business_days(case["created"], case["ended"]))
        if case["key"] == PERMISO:
            row["refused"] += case["decision"] == "rechazar"
            due = add_business_days(case["created"].astimezone(ZONE).date(), TERM + seeded.paused.get(case["id"], 0))
            row["on_time"] += case["ended"].astimezone(ZONE).date() <= due
    for row in out.values():
        days = sorted(row.pop("days"))
        row["finished"] = len(days)
        row["median"] = float(statistics.median(days)) if days else None
        row["p90"] = float(days[math.ceil(0.9 * len(days)) - 1]) if days else None
    return dict(out)
