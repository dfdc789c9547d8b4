"""The open datasets: their metadata, their data dictionary (a Frictionless Table Schema) and their rows.

Each dataset's rows are plain dicts keyed by the schema's field names; ``None`` is a missing
value (an empty cell in the CSV, ``null`` in the JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.figures import hexgrid, months, queries
from engine.figures.reclamos import NO_POINT

LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Atribución 4.0 Internacional",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
PUBLISHER = "Municipalidad de San Miguel de Tucumán"
YEARMONTH = {"type": "yearmonth", "format": "default"}


def _field(name: str, kind: str, title: str, description: str, **constraints: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "type": kind, "title": title, "description": description}
    if kind == "yearmonth":
        spec.update(YEARMONTH)
    if constraints:
        spec["constraints"] = constraints
    return spec


@dataclass(frozen=True)
class Dataset:
    """One open dataset: what DCAT says of it, its Table Schema and how its rows are built."""

    id: str
    title: str
    description: str
    keywords: tuple[str, ...]
    fields: tuple[dict[str, Any], ...]
    primary_key: tuple[str, ...]
    rows: Callable[[int, float], list[dict[str, Any]]]

    def table_schema(self) -> dict[str, Any]:
        """The data dictionary as a Frictionless Table Schema."""
        return {"fields": list(self.fields), "primaryKey": list(self.primary_key), "missingValues": [""]}


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def procedure_rows(k: int, size_m: float) -> list[dict[str, Any]]:
    """The rows of ``tramites-por-mes``."""
    names = {p.key: p.name for p in queries.procedures()}
    return [{"procedimiento": f.process_key, "nombre": names.get(f.process_key, f.process_key),
             "mes": months.label(f.month), "iniciados": f.started, "finalizados": f.finished,
             "mediana_dias_habiles": f.median_days, "p90_dias_habiles": f.p90_days,
             "porcentaje_en_plazo": _percent(f.on_time_share), "porcentaje_rechazados": _percent(f.refused_share),
             "espera_turno_dias": f.appointment_wait_days}
            for f in queries.procedure_months(k) if f.process_key in names]


def reclamo_rows(k: int, size_m: float) -> list[dict[str, Any]]:
    """The rows of ``reclamos-por-zona`` (cells with fewer than ``k`` reclamos of a category left out)."""
    rows = []
    for c in queries.reclamo_cells(k):
        lat, lon = (None, None) if c.cell == NO_POINT else hexgrid.centre(c.cell, size_m)
        rows.append({"mes": months.label(c.month), "categoria": c.category, "celda": c.cell, "latitud": lat,
                     "longitud": lon, "total": c.total, "abiertos": c.open, "resueltos": c.resolved,
                     "mediana_dias_resolucion": c.median_days_to_resolve})
    return rows


_NONNEG = {"minimum": 0}
_DAYS = "días hábiles (lunes a viernes sin los feriados de la ciudad)"

PROCEDURES = Dataset(
    id="tramites-por-mes",
    title="Trámites por mes",
    description="Por trámite y mes: casos iniciados y finalizados, mediana y percentil 90 del tiempo hasta "
                "finalizar en días hábiles, porcentaje finalizado dentro del plazo prometido, porcentaje "
                "rechazado y espera de los turnos. Las tasas y los tiempos de menos de k casos no se publican.",
    keywords=("trámites", "gestión", "plazos", "rendición de cuentas"),
    fields=(
        _field("procedimiento", "string", "Clave del trámite", "Identificador del trámite en la plataforma.",
               required=True),
        _field("nombre", "string", "Nombre del trámite", "Nombre del trámite en la guía.", required=True),
        _field("mes", "yearmonth", "Mes", "Mes calendario en la hora de la ciudad (AAAA-MM).", required=True),
        _field("iniciados", "integer", "Iniciados", "Casos iniciados en el mes.", required=True, **_NONNEG),
        _field("finalizados", "integer", "Finalizados", "Casos finalizados en el mes.", required=True, **_NONNEG),
        _field("mediana_dias_habiles", "number", "Mediana de días hábiles",
               "Mediana del tiempo desde el inicio hasta la finalización de los casos finalizados en el mes, "
               f"en {_DAYS}.",
               **_NONNEG),
        _field("p90_dias_habiles", "number", "Percentil 90 de días hábiles",
               "El 90 % de los casos finalizados en el mes terminó en este tiempo o menos (rango más cercano).",
               **_NONNEG),
        _field("porcentaje_en_plazo", "number", "Porcentaje en plazo",
               "De los casos finalizados con plazo declarado, cuántos terminaron a más tardar en su fecha prevista "
               "(el plazo más los días en que el caso esperó a la persona).", minimum=0, maximum=100),
        _field("porcentaje_rechazados", "number", "Porcentaje rechazado",
               "De los casos finalizados, cuántos fueron rechazados según la regla del trámite.",
               minimum=0, maximum=100),
        _field("espera_turno_dias", "number", "Espera del turno (días)",
               "Mediana de días corridos entre pedir el turno y el turno, de los turnos pedidos en el mes.",
               **_NONNEG),
    ),
    primary_key=("procedimiento", "mes"),
    rows=procedure_rows,
)

RECLAMOS = Dataset(
    id="reclamos-por-zona",
    title="Reclamos por zona",
    description="Reclamos por mes, categoría y celda hexagonal de la ciudad: cuántos, cuántos siguen abiertos, "
                "cuántos se resolvieron y la mediana de días hábiles hasta resolverse. Una celda con menos de k "
                "reclamos de una categoría en el mes no se publica.",
    keywords=("reclamos", "vía pública", "mapa", "rendición de cuentas"),
    fields=(
        _field("mes", "yearmonth", "Mes", "Mes en que se hicieron los reclamos (AAAA-MM).", required=True),
        _field("categoria", "string", "Categoría", "Categoría del reclamo (código de servicio Open311).",
               required=True),
        _field("celda", "string", "Celda", "Celda hexagonal (coordenadas axiales q:r) o «sin-ubicacion».",
               required=True, pattern=r"-?\d+:-?\d+|sin-ubicacion"),
        _field("latitud", "number", "Latitud del centro", "Latitud del centro de la celda (WGS 84).",
               minimum=-90, maximum=90),
        _field("longitud", "number", "Longitud del centro", "Longitud del centro de la celda (WGS 84).",
               minimum=-180, maximum=180),
        _field("total", "integer", "Reclamos", "Reclamos hechos en el mes en la celda.", required=True, **_NONNEG),
        _field("abiertos", "integer", "Abiertos", "De ellos, los que siguen abiertos.", required=True, **_NONNEG),
        _field("resueltos", "integer", "Resueltos", "De ellos, los que terminaron.", required=True, **_NONNEG),
        _field("mediana_dias_resolucion", "number", "Mediana de días hasta resolver",
               f"Mediana del tiempo hasta terminar de los resueltos, en {_DAYS}.", **_NONNEG),
    ),
    primary_key=("mes", "categoria", "celda"),
    rows=reclamo_rows,
)

DATASETS: dict[str, Dataset] = {d.id: d for d in (PROCEDURES, RECLAMOS)}
