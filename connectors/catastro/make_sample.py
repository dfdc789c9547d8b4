"""Generate the sample parcel dataset of San Miguel de Tucumán's grid (synthetic geometry).

Run ``python connectors/catastro/make_sample.py`` to rewrite
``connectors/catastro/data/parcelas_smt.geojson``; the output is byte-for-byte the same on
every run and machine (no clock, no ``random``: every varying value comes from a hash of
the parcel's cadastral designation).

The geometry is **synthetic**: a regular grid of 130 m blocks (manzanas) around Plaza
Independencia (about -65.2038, -26.8303), each block split into 12 lots. The street names
are the city's, but their placement on this grid is approximate; owners (titulares) are
fictitious people, and valuations are invented. Nothing here is official cadastral data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent / "data" / "parcelas_smt.geojson"

PLAZA_LON, PLAZA_LAT = -65.2038, -26.8303
PITCH_M = 130.0  # block centre to block centre
STREET_M = 16.0  # street width, so a block is 114 m square
BLOCK_M = PITCH_M - STREET_M
RADIUS = 5  # blocks each way from the plaza: an 11 x 11 grid
LOTS_PER_ROW = 6
SOURCE = "sintética: datos de ejemplo, no son catastro oficial"

# East-west streets from south to north; index 5 and 6 bound the plaza (south and north). Every
# lot of the sample fronts one of them (the grid has no lots facing north-south streets).
EW_STREETS = (
    "Bernabé Aráoz", "Lamadrid", "Las Piedras", "San Juan", "Crisóstomo Álvarez", "24 de Septiembre",
    "San Martín", "Mendoza", "Córdoba", "Corrientes", "Santiago del Estero", "Santa Fe",
)
SECTIONS = {"centro": 1, "norte": 2, "sur": 3, "este": 4, "oeste": 5}
# Fictitious valuation per square metre, in pesos, by zone.
VALUE_PER_M2 = {"centro": 420_000, "norte": 260_000, "sur": 180_000, "este": 210_000, "oeste": 230_000}
GIVEN_NAMES = (
    "María", "José", "Ana", "Juan", "Lucía", "Carlos", "Sofía", "Miguel", "Valentina", "Jorge",
    "Florencia", "Ramón", "Agustina", "Héctor", "Camila", "Néstor", "Julieta", "Raúl",
)
SURNAMES = (
    "Pérez", "González", "Rodríguez", "Fernández", "López", "Díaz", "Martínez", "Sánchez",
    "Romero", "Álvarez", "Gutiérrez", "Juárez", "Ledesma", "Paz", "Núñez", "Medina", "Ibáñez", "Córdoba",
)

# Metres per degree at the plaza's latitude (WGS 84 series); over +-800 m the error of
# this local flat-earth conversion is far below a centimetre of the synthetic geometry.
_PHI = math.radians(PLAZA_LAT)
M_PER_DEG_LAT = 111_132.92 - 559.82 * math.cos(2 * _PHI) + 1.175 * math.cos(4 * _PHI)
M_PER_DEG_LON = 111_412.84 * math.cos(_PHI) - 93.5 * math.cos(3 * _PHI)


def unit(key: str) -> float:
    """Return a stable pseudo-random number in [0, 1) derived from ``key``."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def to_lonlat(x: float, y: float) -> list[float]:
    """Convert metres east/north of the plaza into rounded WGS 84 longitude/latitude."""
    return [round(PLAZA_LON + x / M_PER_DEG_LON, 7), round(PLAZA_LAT + y / M_PER_DEG_LAT, 7)]


def zone_of(bx: int, by: int) -> str:
    """Name the zone of block (bx, by): the centre, or the dominant direction from it."""
    if max(abs(bx), abs(by)) <= 2:
        return "centro"
    if abs(by) >= abs(bx):
        return "norte" if by > 0 else "sur"
    return "este" if bx > 0 else "oeste"


def lot_widths(block_key: str) -> list[float]:
    """Split a block side into lot frontages (10 to 28 m) that add up to the block's side."""
    raw = [0.6 + unit(f"{block_key}/w{i}") for i in range(LOTS_PER_ROW)]
    scale = BLOCK_M / sum(raw)
    widths = [round(r * scale, 2) for r in raw]
    widths[-1] = round(BLOCK_M - sum(widths[:-1]), 2)
    return widths


def owner(key: str) -> str | None:
    """Return a fictitious owner's name, or ``None`` for about one parcel in twelve."""
    if unit(key + "/vacante") < 1 / 12:
        return None
    given = GIVEN_NAMES[int(unit(key + "/n") * len(GIVEN_NAMES))]
    first = SURNAMES[int(unit(key + "/a1") * len(SURNAMES))]
    second = SURNAMES[int(unit(key + "/a2") * len(SURNAMES))]
    return f"{first} {second}, {given}"


def blocks() -> Iterator[tuple[int, int, int]]:
    """Yield (block number, bx, by) from the north-west corner, row by row, skipping the plaza."""
    number = 0
    for by in range(RADIUS, -RADIUS - 1, -1):
        for bx in range(-RADIUS, RADIUS + 1):
            if (bx, by) == (0, 0):
                continue  # Plaza Independencia: public square, no parcels
            number += 1
            yield number, bx, by


def block_parcels(number: int, bx: int, by: int) -> Iterator[dict[str, Any]]:
    """Yield the 12 parcels of one block: 1-6 face the north street, 7-12 the south street."""
    zone = zone_of(bx, by)
    west, south = bx * PITCH_M - BLOCK_M / 2, by * PITCH_M - BLOCK_M / 2
    depth = BLOCK_M / 2
    north_street, south_street = EW_STREETS[by + RADIUS + 1], EW_STREETS[by + RADIUS]
    widths = lot_widths(f"M{number}")
    x = west
    for i, width in enumerate(widths):
        for row in ("norte", "sur"):
            lot = i + 1 if row == "norte" else 2 * LOTS_PER_ROW - i
            y0 = south + depth if row == "norte" else south
            ring = [(x, y0), (x + width, y0), (x + width, y0 + depth), (x, y0 + depth), (x, y0)]
            # House numbers grow eastwards, 100 per block from the west edge of the grid;
            # the south side of a street takes odd numbers, the north side even ones.
            offset = int((x + width / 2 - west) / BLOCK_M * 48) * 2
            numero = 100 * (bx + RADIUS + 1) + offset + (1 if row == "norte" else 2)
            yield {
                "lot": lot, "zone": zone, "ring": ring, "area": width * depth,
                "street": north_street if row == "norte" else south_street, "numero": numero,
            }
        x += width


def features() -> list[dict[str, Any]]:
    """Build every parcel feature, ordered by block and lot, with unique padrones."""
    found: list[dict[str, Any]] = []
    for number, bx, by in blocks():
        for lot in sorted(block_parcels(number, bx, by), key=lambda p: p["lot"]):
            section = SECTIONS[lot["zone"]]
            nomenclatura = f"S{section}-C1-M{number:03d}-P{lot['lot']:03d}"
            padron = 100_001 + len(found)
            area = round(lot["area"], 2)
            factor = 0.8 + 0.4 * unit(nomenclatura + "/v")
            properties = {
                "padron": padron,
                "nomenclatura": nomenclatura,
                "seccion": section,
                "circunscripcion": 1,
                "manzana": number,
                "parcela": lot["lot"],
                "superficie_m2": area,
                "calle": lot["street"],
                "numero": lot["numero"],
                "titular": owner(nomenclatura),
                "valuacion": int(round(area * VALUE_PER_M2[lot["zone"]] * factor, -3)),
                "zona": lot["zone"],
                "fuente": SOURCE,
            }
            geometry = {"type": "Polygon", "coordinates": [[to_lonlat(x, y) for x, y in lot["ring"]]]}
            found.append({"type": "Feature", "id": padron, "properties": properties, "geometry": geometry})
    return found


def collection() -> dict[str, Any]:
    """Return the whole FeatureCollection, with a note that the data are synthetic."""
    return {
        "type": "FeatureCollection",
        "name": "parcelas_smt",
        "description": (
            "Parcelas de ejemplo de San Miguel de Tucumán. Geometría SINTÉTICA: grilla regular de manzanas "
            "de 130 m alrededor de la Plaza Independencia; titulares y valuaciones ficticios."
        ),
        "features": features(),
    }


def write(path: Path = OUTPUT) -> Path:
    """Write the dataset to ``path`` (ASCII JSON, one feature per line, stable key order).

    ASCII escapes keep the file readable by pygeoapi's GeoJSON provider whatever the
    locale's encoding, since it opens the file without naming one.
    """
    data = collection()
    lines = [json.dumps(f, ensure_ascii=True, separators=(",", ":")) for f in data.pop("features")]
    head = json.dumps(data, ensure_ascii=True, separators=(",", ":"))[:-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="ascii")
    return path


def main(argv: list[str] | None = None) -> None:
    """Command line: ``make_sample.py [--output PATH]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the GeoJSON file")
    args = parser.parse_args(argv)
    path = write(args.output)
    print(f"{path}: {len(json.loads(path.read_text(encoding='ascii'))['features'])} parcelas")


if __name__ == "__main__":
    main()
