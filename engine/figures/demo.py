"""Demonstration history for the public figures: a year of finished cases of the deployed procedures.

Only for the embedded demonstration (``tramites cifras demo``, which ``make run`` calls): a
fresh database has no past, and the pages of ``/datos/`` would be empty. The cases are real
index rows (started by :data:`DEMO_ACTOR`, numbered ``DEMO-…``) with a fixed random seed, so
the demo shows the same figures every time; running it again adds nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine.db import db
from engine.intake.reclamos import CATEGORIES, PROCESS_KEY
from engine.models import Deployment, Instance
from engine.workflow.deployments import catalogue
from engine.workflow.validation.outcome import refusal_of

DEMO_ACTOR = "demo-cifras"
DAYS = 365
#: Busy spots of the city where demonstration reclamos cluster (lat, lon).
SPOTS = ((-26.8303, -65.2038), (-26.8160, -65.2200), (-26.8420, -65.2150), (-26.8250, -65.2400))


def already_seeded() -> bool:
    return db.session.scalar(select(Instance.id).where(Instance.started_by == DEMO_ACTOR).limit(1)) is not None


def seed(now: datetime, per_procedure: int = 120, reclamos: int = 2400, rng_seed: int = 25) -> int:
    """Add the demonstration cases (nothing when they are there already); flush, never commit.

    :return: how many cases were added.
    """
    if already_seeded():
        return 0
    rng = random.Random(rng_seed)  # noqa: S311  (demonstration data, repeatable by its seed)
    added = 0
    for deployment in catalogue():
        count = reclamos if deployment.key == PROCESS_KEY else per_procedure
        for n in range(count):
            db.session.add(_case(deployment, n, now, rng))
            added += 1
    db.session.flush()
    return added


def _case(deployment: Deployment, n: int, now: datetime, rng: random.Random) -> Instance:
    created = now - timedelta(days=rng.uniform(1, DAYS))
    ended: datetime | None = created + timedelta(hours=rng.uniform(2, 24 * 30))
    if ended is not None and (ended > now or rng.random() < 0.1):
        ended = None
    return Instance(number=f"DEMO-{deployment.key[:12].upper()}-{n:05d}", deployment_id=deployment.id,
                    process_key=deployment.key, version=deployment.version, started_by=DEMO_ACTOR, state={},
                    data=_data(deployment, rng), status="completed" if ended else "running", created_at=created,
                    updated_at=ended or created, completed_at=ended)


def _data(deployment: Deployment, rng: random.Random) -> dict[str, Any]:
    if deployment.key == PROCESS_KEY:
        lat, lon = rng.choice(SPOTS)
        return {"categoria": rng.choice(list(CATEGORIES)),
                "ubicacion": {"lat": lat + rng.gauss(0, 0.002), "lon": lon + rng.gauss(0, 0.002)}}
    refusal = refusal_of(deployment.manifest)
    if refusal is None:
        return {}
    refused = rng.random() < 0.2
    value = sorted(refusal.values, key=str)[0] if refused else "aprobar"
    return {refusal.field: value}
