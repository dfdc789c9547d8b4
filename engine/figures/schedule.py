"""How the background work keeps the figures: how often, the minimum count k and the cell size."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from engine.casefile.sweep import SweepSchedule
from engine.figures.hexgrid import DEFAULT_SIZE_M
from engine.figures.queries import DEFAULT_MIN_COUNT

DEFAULT_MINUTES = 60
#: Where the open data is downloaded from, under the platform's public address.
OPEN_DATA_PATH = "/datos/abiertos"


@dataclass
class FiguresConfig:
    """The ``FIGURES_*`` settings, and when this process refreshes next (the first time at once)."""

    every_minutes: int = DEFAULT_MINUTES
    min_count: int = DEFAULT_MIN_COUNT
    hex_m: float = DEFAULT_SIZE_M
    schedule: SweepSchedule = field(init=False)

    def __post_init__(self) -> None:
        self.schedule = SweepSchedule(every=timedelta(minutes=self.every_minutes))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FiguresConfig:
        """Read ``FIGURES_MINUTES``, ``FIGURES_MIN_COUNT`` and ``FIGURES_HEX_METERS`` (defaults when unset)."""
        return cls(every_minutes=int(settings.get("FIGURES_MINUTES") or DEFAULT_MINUTES),
                   min_count=int(settings.get("FIGURES_MIN_COUNT") or DEFAULT_MIN_COUNT),
                   hex_m=float(settings.get("FIGURES_HEX_METERS") or DEFAULT_SIZE_M))
