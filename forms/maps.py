"""``"ui:widget": "mapa"``: a point on a map, for an object with a latitude and a longitude.

The object keeps its fieldset and its number inputs: they are what a keyboard or a screen
reader uses, and all there is without JavaScript. The widget adds a map box that only
carries data attributes (where the inputs are, where to centre); the fronts' script
``form-map.js`` turns it into a Leaflet map. The box starts ``hidden``, so a page without
the script shows neither an empty frame nor instructions about a map it does not have.
Parsing and validation do not change: the value is still ``{"lat": …, "lon": …}``.

UI options: ``centro`` (``[lat, lon]``, where an empty map opens) and ``zoom``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from forms import ui as uis
from forms.compiled import CompiledSchema
from forms.html import tag
from forms.layout import Ctx, Node, Texts
from forms.merge import as_schema
from forms.naming import field_id
from forms.naming import join as join_pointer
from forms.resolve import flatten, primary_type

log = logging.getLogger("forms")

WIDGET = "mapa"
#: The property names a point may use: the short ones first.
COORDINATES = (("lat", "lon"), ("latitud", "longitud"))
#: San Miguel de Tucumán: where an empty map opens.
CENTER = (-26.8083, -65.2176)
ZOOM = 13
MAX_ZOOM = 19
HELP = ("Haga clic o toque el mapa para marcar el punto; puede arrastrar el marcador para corregirlo. "
        "Con el teclado, escriba la latitud y la longitud en sus campos, o mueva el mapa con las flechas "
        "y presione Enter para marcar el centro.")
HELP_READONLY = "El mapa muestra el punto indicado en la latitud y la longitud."


@dataclass(frozen=True)
class Pin:
    """The properties that hold the point, and the one the map box goes before."""

    lat: str
    lon: str
    first: str


def pin(c: CompiledSchema, schema: Mapping[str, Any], widget: str | None, names: list[str]) -> Pin | None:
    """Where the map of an object goes, or ``None`` (not the map widget, or no numeric point).

    :param names: the object's property names in the order they are shown.
    """
    if widget != WIDGET:
        return None
    properties = as_schema(schema.get("properties"))
    for lat, lon in COORDINATES:
        if lat in names and lon in names and _numeric(c, properties[lat]) and _numeric(c, properties[lon]):
            return Pin(lat, lon, lat if names.index(lat) < names.index(lon) else lon)
    log.info("ui:widget 'mapa' needs numeric lat/lon (or latitud/longitud) properties; the plain fields are used")
    return None


def _numeric(c: CompiledSchema, schema: Any) -> bool:
    return primary_type(flatten(c, schema)) in ("number", "integer")


def box(ctx: Ctx, node: Node, t: Texts, where: Pin) -> Markup:
    """The (hidden until the script shows it) help and map box of the object at ``node``."""
    lat, lon = (field_id(join_pointer(node.name, name), ctx.prefix) for name in (where.lat, where.lon))
    center = _center(node.ui)
    zoom = uis.option(node.ui, "zoom")
    attributes = {
        "class": "mapa", "id": f"{t.fid}--mapa", "role": "region", "aria-label": f"Mapa: {t.title}",
        "aria-describedby": f"{t.fid}--mapa-ayuda", "data-map": True, "data-lat-input": lat, "data-lon-input": lon,
        "data-center": f"{center[0]},{center[1]}",
        "data-zoom": zoom if isinstance(zoom, int) and not isinstance(zoom, bool) and 0 < zoom <= MAX_ZOOM else ZOOM,
        "data-readonly": node.readonly or node.disabled,
    }
    frozen = node.readonly or node.disabled
    help_ = tag("p", {"class": "ayuda", "id": f"{t.fid}--mapa-ayuda"}, HELP_READONLY if frozen else HELP)
    return tag("div", {"class": "mapa-campo", "id": f"{t.fid}--mapa-campo", "hidden": True}, help_,
               tag("div", attributes))


def _center(ui: uis.UI) -> tuple[float, float]:
    """``ui:options.centro`` when it is a valid ``[lat, lon]``, else the city's centre."""
    given = uis.option(ui, "centro")
    if isinstance(given, list) and len(given) == 2 and all(_number(v) for v in given):
        lat, lon = float(given[0]), float(given[1])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return CENTER


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def used(ui: Any) -> bool:
    """Whether a UI schema asks for the map widget anywhere (so the page loads its script).

    Anywhere, not only on fields shown now: a field an answer brings in later needs the script too.
    """
    pending = [ui]
    while pending:  # a loop, not recursion: the preview accepts any UI schema an analyst pastes
        value = pending.pop()
        if isinstance(value, dict):
            widget = value.get("ui:widget")
            if isinstance(widget, str) and uis.ALIASES.get(widget, widget) == WIDGET:
                return True
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
