"""When a container's readings start or end a collection episode (hysteresis)."""

from __future__ import annotations

import threading
from typing import Literal

Decision = Literal["start", "end"]


class EpisodeTracker:
    """Decide "start a collection" once per episode and "episode over" when emptied.

    An episode starts when a reading reaches ``threshold`` (percent) while no episode is
    open, and ends when a reading falls under ``reset``. Between the two thresholds nothing
    changes, so a level wobbling around 80 % starts one collection, not one per reading.

    The caller normally knows from its own records whether an episode is open and passes
    ``open_episode``; without it the tracker uses what it decided before (in memory).
    The constructor raises :class:`ValueError` unless ``0 <= reset < threshold <= 100``.
    """

    def __init__(self, threshold: float = 80, reset: float = 30) -> None:
        if not 0 <= reset < threshold <= 100:
            raise ValueError("thresholds must satisfy 0 <= reset < threshold <= 100")
        self.threshold = threshold
        self.reset = reset
        self._open: set[str] = set()
        self._lock = threading.Lock()

    def observe(self, container_id: str, nivel: float, open_episode: bool | None = None) -> Decision | None:
        """Account for one reading and say what it means.

        :param container_id: the container the reading is from.
        :param nivel: its fill level, 0–100.
        :param open_episode: whether an episode is open for this container, as the caller's
            records say; ``None`` to rely on this tracker's memory.
        :return: ``"start"`` (start a collection process), ``"end"`` (close the episode) or
            ``None`` (nothing to do).
        :raises ValueError: when ``nivel`` is not within 0–100.
        """
        if not 0 <= nivel <= 100:
            raise ValueError("nivel must be between 0 and 100")
        with self._lock:
            is_open = (container_id in self._open) if open_episode is None else open_episode
            decision: Decision | None = None
            if not is_open and nivel >= self.threshold:
                decision, is_open = "start", True
            elif is_open and nivel < self.reset:
                decision, is_open = "end", False
            if is_open:
                self._open.add(container_id)
            else:
                self._open.discard(container_id)
            return decision

    def is_open(self, container_id: str) -> bool:
        """Tell whether this tracker last saw an open episode for the container."""
        with self._lock:
            return container_id in self._open
