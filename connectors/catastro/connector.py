"""The cadastre connector: find a parcel by cadastral number or by point over OGC API – Features.

It reads any OGC API – Features server (pygeoapi mounted at ``/ogc`` in the embedded
default) through plain HTTP: ``/collections/parcelas/items`` with a property filter for
padrón or nomenclatura, and a small ``bbox`` query followed by an exact point-in-polygon
test for a point.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    """Parcels of the municipal cadastre, read from its OGC API – Features service.

    Settings: ``CATASTRO_OGC_URL`` (the OGC API base, e.g. ``<public_url>/ogc``) and
    ``CATASTRO_COLLECTION`` (default ``parcelas``).
    """

    name = "catastro"
    settings = ("CATASTRO_OGC_URL", "CATASTRO_COLLECTION")

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
            raise PermanentError("Falta configurar CATASTRO_OGC_URL (servicio OGC del catastro).")
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
