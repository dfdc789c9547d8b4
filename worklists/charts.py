"""Horizontal bar charts drawn on the server as SVG geometry (no chart library, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass

ROW = 26
LABEL_WIDTH = 260
BAR_WIDTH = 300
LABEL_CHARS = 40  # what fits in LABEL_WIDTH; a longer label is cut at a word and its bar's title says it all


@dataclass(frozen=True)
class Bar:
    label: str
    full_label: str
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


def short_label(label: str) -> str:
    """``label`` when it fits, else its words up to :data:`LABEL_CHARS` and an ellipsis."""
    if len(label) <= LABEL_CHARS:
        return label
    cut = label[:LABEL_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ·,") + "…"


def bars(title: str, items: list[tuple[str, float]], unit: str = "") -> Chart:
    """One bar per ``(label, value)``, scaled to the largest value; values with a decimal comma."""
    top = max((v for _l, v in items), default=0) or 1
    drawn = [Bar(short_label(label), label, value, i * ROW + 4,
                 max(1, round(value / top * BAR_WIDTH)) if value else 0,
                 f"{value:g}".replace(".", ",") + unit) for i, (label, value) in enumerate(items)]
    return Chart(title, drawn, max(ROW, len(items) * ROW + 8))
