"""Horizontal bar charts drawn on the server as SVG geometry (no chart library, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass

ROW = 26
LABEL_WIDTH = 260
BAR_WIDTH = 300


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: int
    text: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH

    @property
    def total_width(self) -> int:
        return self.label_width + self.bar_width + 60


def bars(title: str, items: list[tuple[str, float]], unit: str = "") -> Chart:
    """One bar per ``(label, value)``, scaled to the largest value."""
    top = max((v for _l, v in items), default=0) or 1
    drawn = [Bar(label[:40], value, i * ROW + 4, max(1, round(value / top * BAR_WIDTH)) if value else 0,
                 f"{value:g}{unit}") for i, (label, value) in enumerate(items)]
    return Chart(title, drawn, max(ROW, len(items) * ROW + 8))
