"""The hex cells reclamos are counted in: flat-topped hexagons on a local projection of the city.

An equirectangular projection centred on San Miguel de Tucumán is exact to a few metres across
the city, needs no library, and puts a point always in the same cell. A cell's id is its axial
coordinates ``q:r``; only a cell's centre and corners are ever shown, never a reclamo's point.
"""

from __future__ import annotations

import math

#: The projection's centre (the city's Plaza Independencia).
ORIGIN = (-26.8241, -65.2226)
METERS_PER_DEGREE = 111_320.0
DEFAULT_SIZE_M = 500.0


def _to_xy(lat: float, lon: float) -> tuple[float, float]:
    x = (lon - ORIGIN[1]) * METERS_PER_DEGREE * math.cos(math.radians(ORIGIN[0]))
    y = (lat - ORIGIN[0]) * METERS_PER_DEGREE
    return x, y


def _to_latlon(x: float, y: float) -> tuple[float, float]:
    lat = ORIGIN[0] + y / METERS_PER_DEGREE
    lon = ORIGIN[1] + x / (METERS_PER_DEGREE * math.cos(math.radians(ORIGIN[0])))
    return round(lat, 6), round(lon, 6)


def cell_of(lat: float, lon: float, size_m: float = DEFAULT_SIZE_M) -> str:
    """The id of the cell holding the point (``size_m``: centre to corner)."""
    x, y = _to_xy(lat, lon)
    q = (2 / 3 * x) / size_m
    r = (-1 / 3 * x + math.sqrt(3) / 3 * y) / size_m
    rq, rr, rs = round(q), round(r), round(-q - r)
    dq, dr, ds = abs(rq - q), abs(rr - r), abs(rs + q + r)
    if dq > dr and dq > ds:
        rq = -rr - rs
    elif dr > ds:
        rr = -rq - rs
    return f"{rq}:{rr}"


def _centre_xy(cell: str, size_m: float) -> tuple[float, float]:
    q, r = (int(part) for part in cell.split(":"))
    return size_m * 1.5 * q, size_m * math.sqrt(3) * (r + q / 2)


def centre(cell: str, size_m: float = DEFAULT_SIZE_M) -> tuple[float, float]:
    """The (lat, lon) of the cell's centre."""
    return _to_latlon(*_centre_xy(cell, size_m))


def corners(cell: str, size_m: float = DEFAULT_SIZE_M) -> list[tuple[float, float]]:
    """The six (lat, lon) corners of the cell, for drawing it."""
    cx, cy = _centre_xy(cell, size_m)
    return [_to_latlon(cx + size_m * math.cos(math.radians(60 * i)), cy + size_m * math.sin(math.radians(60 * i)))
            for i in range(6)]
