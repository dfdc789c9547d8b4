"""Container sensors: keep each reading, track collection episodes, start one collection per episode.

The MQTT subscriber (``connectors/sensors``) validates readings; ``create_app`` hands each one
to :func:`record_reading` inside one unit of work, together with the episode rule
(``decide``, the connector's hysteresis tracker) so the engine never imports the connector.
Whether an episode is open is read from :class:`~engine.intake.sensor_models.CollectionEpisode`,
so a restart or a second subscriber cannot start a second collection for the same episode.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from engine.db import db, savepoint
from engine.errors import EngineError
from engine.intake.sensor_models import CollectionEpisode, SensorReading
from engine.workflow import instances
from engine.workflow.step import EngineContext

log = logging.getLogger(__name__)

COLLECTION_PROCESS = "recoleccion_contenedor"
SENSOR_ACTOR = "sensores"
DEFAULT_RETENTION_DAYS = 90

#: ``decide(container_id, nivel, open_episode) -> "start" | "end" | None`` (the hysteresis rule).
Decide = Callable[[str, float, bool], str | None]


@dataclass(frozen=True)
class ReadingOutcome:
    """What one reading did.

    ``decision`` is ``"start"`` (a collection started), ``"end"`` (the episode closed),
    ``"start_failed"`` (the level called for a collection that could not start: the next
    reading over the threshold tries again) or ``None``.
    """

    decision: str | None
    episode_id: str | None = None
    instance_id: str | None = None


@dataclass(frozen=True)
class Reading:
    """A validated reading, as plain values (UTC-aware times)."""

    container_id: str
    nivel: float
    bateria: float
    measured_at: datetime
    received_at: datetime


def record_reading(ctx: EngineContext, reading: Reading, decide: Decide,
                   process_key: str = COLLECTION_PROCESS) -> ReadingOutcome:
    """Store a reading and act on it: open an episode and start a collection, or close the episode.

    Flushes, never commits (the caller's unit of work does). A collection that cannot start
    (the process is not deployed, its start form refuses the data) is logged and leaves no
    episode open, so the reading is kept and the next full reading tries again.

    :param ctx: the engine context of this unit of work.
    :param reading: the validated reading.
    :param decide: the episode rule; gets whether an episode is open as the database says.
    :param process_key: the process started for each episode.
    :return: what the reading did.
    """
    db.session.add(SensorReading(container_id=reading.container_id, nivel=reading.nivel, bateria=reading.bateria,
                                 measured_at=reading.measured_at, received_at=reading.received_at))
    episode = open_episode(reading.container_id, lock=True)
    decision = decide(reading.container_id, reading.nivel, episode is not None)
    if decision == "start" and episode is None:
        return _start_collection(ctx, reading, process_key)
    if decision == "end" and episode is not None:
        episode.status = "closed"
        episode.closed_at = reading.received_at
        episode.closing_level = reading.nivel
        db.session.flush()
        log.info("sensors: container %s emptied (%.0f %%), episode %s closed",
                 reading.container_id, reading.nivel, episode.id)
        return ReadingOutcome("end", episode.id, episode.instance_id)
    db.session.flush()
    return ReadingOutcome(None, episode.id if episode else None, episode.instance_id if episode else None)


def _start_collection(ctx: EngineContext, reading: Reading, process_key: str) -> ReadingOutcome:
    data = {"contenedor": reading.container_id, "nivel": reading.nivel, "bateria": reading.bateria,
            "medido_en": reading.measured_at.isoformat()}
    try:
        with savepoint():  # a failed start leaves the reading and no episode
            episode = CollectionEpisode(container_id=reading.container_id, status="open",
                                        opened_at=reading.received_at, opening_level=reading.nivel)
            db.session.add(episode)
            db.session.flush()
            instance = instances.start(ctx, process_key, {**data, "episodio": episode.id}, SENSOR_ACTOR,
                                       business_key=f"contenedor:{reading.container_id}")
            episode.instance_id = instance.id
            db.session.flush()
    except EngineError as e:
        log.error("sensors: container %s is at %.0f %% but %s could not start: %s",
                  reading.container_id, reading.nivel, process_key, e.message)
        return ReadingOutcome("start_failed")
    except IntegrityError:  # another subscriber opened the episode first: theirs starts the collection
        log.info("sensors: container %s already has an open episode", reading.container_id)
        return ReadingOutcome(None)
    log.info("sensors: container %s at %.0f %%: collection %s started (episode %s)",
             reading.container_id, reading.nivel, instance.number, episode.id)
    return ReadingOutcome("start", episode.id, instance.id)


def open_episode(container_id: str, lock: bool = False) -> CollectionEpisode | None:
    """Return the container's open episode, if any (locked for this transaction with ``lock``)."""
    query = select(CollectionEpisode).where(CollectionEpisode.container_id == container_id,
                                            CollectionEpisode.status == "open")
    if lock:
        query = query.with_for_update()
    found: CollectionEpisode | None = db.session.scalar(query)
    return found


def episodes(container_id: str) -> list[CollectionEpisode]:
    """Return a container's episodes, oldest first."""
    return list(db.session.scalars(select(CollectionEpisode).where(CollectionEpisode.container_id == container_id)
                                   .order_by(CollectionEpisode.opened_at)))


def prune_readings(now: datetime, retention_days: int = DEFAULT_RETENTION_DAYS) -> int:
    """Delete readings received more than ``retention_days`` before ``now``; flushes, never commits.

    :return: how many readings were deleted.
    """
    cutoff = now - timedelta(days=retention_days)
    expired = SensorReading.received_at < cutoff
    # Runs every few seconds: look first (an index read) so an idle cycle takes no write lock.
    if db.session.scalar(select(SensorReading.id).where(expired).limit(1)) is None:
        return 0
    result = db.session.execute(delete(SensorReading).where(expired).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
