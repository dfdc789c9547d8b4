"""Column charts of month series drawn on the server as SVG geometry (no chart library, no CDN).

The SVG carries a title for screen readers (``role="img"``); the page shows the same numbers in
a table beside it, which is what a screen reader reads.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 600
HEIGHT = 180
BASE = 150  # y of the axis: the labels go below it
TOP = 18  # room for the tallest column's value


@dataclass(frozen=True)
class Column:
    x: int
    y: int
    width: int
    height: int
    label: str
    text: str


@dataclass(frozen=True)
class Chart:
    title: str
    columns: list[Column]
    width: int = WIDTH
    height: int = HEIGHT
    base: int = BASE


def number_text(value: float | None, unit: str = "") -> str:
    """A number as people in Argentina write it (decimal comma), or a dash when not published."""
    if value is None:
        return "—"
    return f"{value:g}".replace(".", ",") + unit


def columns(title: str, items: list[tuple[str, float | None]], unit: str = "") -> Chart:
    """One column per ``(label, value)``, scaled to the largest; a missing value draws no column."""
    top = max((v for _l, v in items if v is not None), default=0) or 1
    step = WIDTH // max(1, len(items))
    drawn = []
    for i, (label, value) in enumerate(items):
        height = round((value or 0) / top * (BASE - TOP))
        drawn.append(Column(x=i * step + step // 6, y=BASE - height, width=max(2, step * 2 // 3), height=height,
                            label=label, text=number_text(value, unit)))
    return Chart(title, drawn)
