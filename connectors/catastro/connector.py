"""The cadastre connector: find a parcel by cadastral number or by point, owner data included.

It reads the cadastre's own source, never the public ``/ogc`` (which carries only public
attributes, see ``connectors/catastro/ogc.py``):

- ``CATASTRO_OGC_URL``: the cadastre's internal OGC API – Features service, through plain
  HTTP: ``/collections/parcelas/items`` with a property filter for padrón or nomenclatura,
  and a small ``bbox`` query followed by an exact point-in-polygon test for a point;
- else ``CATASTRO_DATA``: a GeoJSON FeatureCollection file (in the embedded default, the
  sample parcels), searched the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests

from connectors.base import (
    JSON,
    Connector,
    ConnectorContext,
    PermanentError,
    TemporaryError,
    operation,
)

DEFAULT_COLLECTION = "parcelas"
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
# Half the side of the box sent with a point query, in degrees (about 10 cm): small enough
# to return only the parcels that touch the point, large enough for rounding.
POINT_BOX = 1e-6
MAX_CANDIDATES = 50

_NULLABLE_OBJECT = {"type": ["object", "null"]}
RESULT_SCHEMA: JSON = {
    "type": "object",
    "required": ["encontrada", "parcela", "geometria"],
    "properties": {
        "encontrada": {"type": "boolean"},
        "parcela": {**_NULLABLE_OBJECT, "description": "Atributos de la parcela (padrón, nomenclatura, ...)."},
        "geometria": {**_NULLABLE_OBJECT, "description": "Geometría GeoJSON en EPSG:4326."},
    },
    "additionalProperties": False,
}
BY_NUMBER_SCHEMA: JSON = {
    "type": "object",
    "properties": {
        "padron": {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": "^[0-9]{1,12}$"},
            ],
            "description": "Número de padrón (cuenta catastral).",
        },
        "nomenclatura": {
            "type": "string",
            "pattern": "^[A-Za-z0-9-]{1,40}$",
            "description": "Nomenclatura catastral, p. ej. S1-C1-M045-P012.",
        },
    },
    "oneOf": [{"required": ["padron"]}, {"required": ["nomenclatura"]}],
    "additionalProperties": False,
}
BY_POINT_SCHEMA: JSON = {
    "type": "object",
    "required": ["lon", "lat"],
    "properties": {
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
    },
    "additionalProperties": False,
}


class CatastroConnector(Connector):
    """Parcels of the municipal cadastre, read from its own OGC API – Features service or file.

    Settings: ``CATASTRO_OGC_URL`` (the cadastre's internal OGC API base, not the public
    ``/ogc``), ``CATASTRO_COLLECTION`` (default ``parcelas``), and ``CATASTRO_DATA`` (a GeoJSON
    file of the parcels, read when no OGC URL is set).
    """

    name = "catastro"
    settings = ("CATASTRO_OGC_URL", "CATASTRO_COLLECTION", "CATASTRO_DATA")

    @operation(params=BY_NUMBER_SCHEMA, result=RESULT_SCHEMA, timeout=30.0)
    def consultar_parcela(self, params: JSON, context: ConnectorContext) -> JSON:
        """Find a parcel by padrón or nomenclatura; return its attributes and geometry."""
        if "padron" in params:
            query = {"padron": str(int(params["padron"]))}
        else:
            query = {"nomenclatura": str(params["nomenclatura"]).strip().upper()}
        features = self._items(context, {**query, "limit": 2})
        if len(features) > 1:
            raise PermanentError(f"Hay más de una parcela con {_describe(query)}: revise el catastro.")
        return _result(features[0] if features else None)

    @operation(params=BY_POINT_SCHEMA, result=RESULT_SCHEMA, timeout=30.0)
    def parcela_en_punto(self, params: JSON, context: ConnectorContext) -> JSON:
        """Find the parcel that contains a point (longitude, latitude in EPSG:4326)."""
        lon, lat = float(params["lon"]), float(params["lat"])
        box = [lon - POINT_BOX, lat - POINT_BOX, lon + POINT_BOX, lat + POINT_BOX]
        candidates = self._items(context, {"bbox": ",".join(f"{v:.9f}" for v in box), "limit": MAX_CANDIDATES})
        from shapely.errors import GEOSException  # NumPy and GEOS: only where a point is looked up
        from shapely.geometry import Point, shape

        point = Point(lon, lat)
        for feature in candidates:
            try:
                covers = bool(feature.get("geometry")) and shape(feature["geometry"]).covers(point)
            except (GEOSException, ValueError, TypeError, AttributeError, KeyError) as e:
                raise PermanentError("El catastro devolvió una geometría inválida.", detail=str(e)) from e
            if covers:
                return _result(feature)
        return _result(None)

    def _items(self, context: ConnectorContext, query: Mapping[str, Any]) -> list[JSON]:
        """Query the collection's items and return its features."""
        base = _setting(self, context, "CATASTRO_OGC_URL")
        if not base:
            source = _setting(self, context, "CATASTRO_DATA")
            if source:
                return _file_items(Path(source), query)
            raise PermanentError("Falta configurar CATASTRO_OGC_URL (servicio OGC del catastro) "
                                 "o CATASTRO_DATA (archivo GeoJSON de parcelas).")
        collection = _setting(self, context, "CATASTRO_COLLECTION") or DEFAULT_COLLECTION
        url = f"{base.rstrip('/')}/collections/{collection}/items"
        data = _get_json(url, {**query, "f": "json", "offset": 0}, context)
        features = data.get("features")
        if not isinstance(features, list):
            raise PermanentError("El catastro respondió algo que no es una colección de parcelas.")
        return features


def _setting(connector: Connector, context: ConnectorContext, key: str) -> str | None:
    """Read a setting from the call's context, else from the connector's own configuration."""
    value = context.config.get(key) or connector.config.get(key)
    return str(value) if value else None


def _get_json(url: str, params: Mapping[str, Any], context: ConnectorContext) -> JSON:
    """GET ``url`` and return its JSON object, mapping failures to the connector errors.

    :raises TemporaryError: unreachable, too slow, 429 or 5xx.
    :raises PermanentError: any other refusal, or an answer that is not a JSON object.
    """
    try:
        response = requests.get(
            url,
            params=dict(params),
            headers={"Accept": "application/geo+json, application/json"},
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        )
    except requests.Timeout as e:
        raise TemporaryError("El servicio de catastro no respondió a tiempo.", detail=str(e)) from e
    except requests.RequestException as e:
        context.logger.warning("catastro unreachable at %s: %s", url, e)
        raise TemporaryError("No se pudo conectar con el servicio de catastro.", detail=str(e)) from e
    if response.status_code == 429 or response.status_code >= 500:
        raise TemporaryError(f"El servicio de catastro no está disponible (HTTP {response.status_code}).")
    if response.status_code >= 400:
        raise PermanentError(
            f"El servicio de catastro rechazó la consulta (HTTP {response.status_code}).",
            detail=response.text[:500],
        )
    try:
        data = response.json()
    except ValueError as e:
        raise PermanentError("El servicio de catastro no respondió en JSON.") from e
    if not isinstance(data, dict):
        raise PermanentError("El servicio de catastro no respondió en JSON.")
    return data


def _file_items(path: Path, query: Mapping[str, Any]) -> list[JSON]:
    """The features of a GeoJSON file that match ``query`` as the OGC service would match them.

    :raises PermanentError: when the file cannot be read or is not a FeatureCollection.
    """
    try:
        info = path.stat()
    except OSError as e:
        raise PermanentError("No se pudo leer el archivo de parcelas del catastro.", detail=str(e)) from e
    parcels = _parcels(path, info.st_mtime_ns, info.st_size)
    limit = int(query.get("limit", MAX_CANDIDATES))
    if "bbox" in query:
        minx, miny, maxx, maxy = (float(v) for v in str(query["bbox"]).split(","))
        found = [f for f, (fx, fy, gx, gy) in parcels if fx <= maxx and gx >= minx and fy <= maxy and gy >= miny]
    else:
        ((key, value),) = ((k, v) for k, v in query.items() if k in ("padron", "nomenclatura"))
        found = [f for f, _box in parcels if str((f.get("properties") or {}).get(key)) == str(value)]
    return found[:limit]


@lru_cache(maxsize=4)
def _parcels(path: Path, _mtime_ns: int, _size: int) -> tuple[tuple[JSON, tuple[float, float, float, float]], ...]:
    """Every feature of the file with its bounding box (read again when the file changes)."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        return tuple((f, _bounds(f["geometry"]["coordinates"])) for f in features)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise PermanentError("El archivo de parcelas del catastro no es una colección GeoJSON válida.",
                             detail=str(e)) from e


def _bounds(coordinates: Any) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    stack = [coordinates]
    while stack:
        item = stack.pop()
        if item and isinstance(item[0], int | float):
            xs.append(float(item[0]))
            ys.append(float(item[1]))
        else:
            stack.extend(item)
    return (min(xs), min(ys), max(xs), max(ys))


def _result(feature: JSON | None) -> JSON:
    if feature is None:
        return {"encontrada": False, "parcela": None, "geometria": None}
    return {
        "encontrada": True,
        "parcela": dict(feature.get("properties") or {}),
        "geometria": feature.get("geometry"),
    }


def _describe(query: Mapping[str, str]) -> str:
    key, value = next(iter(query.items()))
    return f"{'padrón' if key == 'padron' else 'nomenclatura'} {value}"
