"""``"ui:widget": "mapa"``: the number inputs stay, a hidden map box joins them, data and validation do not change."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

import forms
from tests.forms.submit import submission

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
POINT = {
    "type": "object",
    "title": "Ubicación",
    "required": ["direccion", "lat", "lon"],
    "properties": {
        "direccion": {"type": "string", "title": "Dirección"},
        "lat": {"type": "number", "title": "Latitud", "minimum": -27.0, "maximum": -26.7},
        "lon": {"type": "number", "title": "Longitud", "minimum": -65.4, "maximum": -65.1},
    },
}
SCHEMA = {"type": "object", "properties": {"ubicacion": POINT, "nota": {"type": "string"}}}
UI = {"ubicacion": {"ui:widget": "mapa"}}


def _html(data: Any = None, ui: Any = UI, schema: Any = SCHEMA) -> str:
    return str(forms.render(schema, ui, data))


def _box(html: str) -> dict[str, str]:
    found = re.search(r'<div class="mapa" ([^>]*)>', html)
    assert found, html
    return dict(re.findall(r'([\w-]+)(?:="([^"]*)")?', found.group(1)))


def test_the_inputs_stay_and_a_hidden_map_box_joins_them() -> None:
    html = _html()
    assert '<fieldset class="grupo" id="campo-ubicacion"' in html
    for name in ("lat", "lon"):
        assert re.search(rf'<input type="number" id="campo-ubicacion-{name}" name="\$/ubicacion/{name}"', html)
    # hidden until the script shows it: without JavaScript nothing speaks of a map
    assert '<div class="mapa-campo" id="campo-ubicacion--mapa-campo" hidden>' in html
    box = _box(html)
    assert box["id"] == "campo-ubicacion--mapa" and box["role"] == "region"
    assert box["aria-label"] == "Mapa: Ubicación" and box["aria-describedby"] == "campo-ubicacion--mapa-ayuda"
    assert box["data-lat-input"] == "campo-ubicacion-lat" and box["data-lon-input"] == "campo-ubicacion-lon"
    assert box["data-center"] == "-26.8083,-65.2176" and box["data-zoom"] == "13" and "data-readonly" not in box
    assert 'id="campo-ubicacion--mapa-ayuda">Haga clic o toque el mapa' in html
    # after the address, before the first coordinate
    assert html.index('id="campo-ubicacion-direccion"') < html.index("--mapa-campo") < html.index(
        'id="campo-ubicacion-lat"')


def test_without_the_widget_there_is_no_map() -> None:
    html = _html(ui=None)
    assert "mapa" not in html and "data-has-map" not in html


@pytest.mark.parametrize("ui", [
    UI,
    {"ubicacion": {"ui:widget": "map"}},  # the English alias
    {"items": [{"x": {"ui:widget": "mapa"}}]},  # anywhere: a field an answer brings later needs the script
])
def test_the_form_says_it_may_show_a_map(ui: Any) -> None:
    assert _html(ui=ui).startswith('<div class="formulario" id="campo--formulario" data-has-map>')


def test_latitud_and_longitud_and_the_order_of_the_ui() -> None:
    schema = {"type": "object", "properties": {"longitud": {"type": "number"}, "latitud": {"type": "integer"}}}
    html = _html(ui={"ui:widget": "mapa"}, schema=schema)
    box = _box(html)
    assert box["data-lat-input"] == "campo-latitud" and box["data-lon-input"] == "campo-longitud"
    assert html.index("--mapa-campo") < html.index('id="campo-longitud"')  # the first of the two shown


@pytest.mark.parametrize("properties", [
    {"lat": {"type": "string"}, "lon": {"type": "number"}},
    {"lat": {"type": "number"}},
    {"x": {"type": "number"}, "y": {"type": "number"}},
])
def test_no_numeric_point_means_plain_fields_and_a_log(properties: Any, caplog: pytest.LogCaptureFixture) -> None:
    schema = {"type": "object", "properties": properties}
    with caplog.at_level(logging.INFO, logger="forms"):
        html = _html(ui={"ui:widget": "mapa"}, schema=schema)
    assert 'class="mapa"' not in html and "ui:widget 'mapa' needs numeric lat/lon" in caplog.text


def test_on_a_plain_value_the_widget_is_ignored() -> None:
    html = _html(ui={"nota": {"ui:widget": "mapa"}})
    assert 'name="$/nota"' in html and 'class="mapa"' not in html


def test_centre_and_zoom_options() -> None:
    ui = {"ubicacion": {"ui:widget": "mapa", "ui:options": {"centro": [-26.83, -65.2], "zoom": 16}}}
    box = _box(_html(ui=ui))
    assert box["data-center"] == "-26.83,-65.2" and box["data-zoom"] == "16"
    for bad in ({"centro": [200, 0], "zoom": 40}, {"centro": "Plaza", "zoom": True}, {"centro": [1, "a"]}):
        box = _box(_html(ui={"ubicacion": {"ui:widget": "mapa", "ui:options": bad}}))
        assert box["data-center"] == "-26.8083,-65.2176" and box["data-zoom"] == "13"


def test_a_read_only_point_shows_the_map_without_inviting_clicks() -> None:
    html = _html({"ubicacion": {"direccion": "San Martín 650", "lat": -26.83, "lon": -65.2}},
                 ui={"ubicacion": {"ui:widget": "mapa", "ui:readonly": True}})
    assert "data-readonly" in _box(html) and "El mapa muestra el punto" in html and "Haga clic" not in html
    assert re.search(r'id="campo-ubicacion-lat"[^>]* readonly value="-26.83"', html)


def test_the_title_is_escaped_in_the_map_name() -> None:
    schema = {"type": "object", "properties": {"p": {**POINT, "title": '"><script>'}}}
    html = _html(ui={"p": {"ui:widget": "mapa"}}, schema=schema)
    assert "<script>" not in html and 'aria-label="Mapa: &quot;&gt;&lt;script&gt;"' in html


def test_render_submit_parse_gives_the_point_back() -> None:
    data = {"ubicacion": {"direccion": "San Martín 650", "lat": -26.8297, "lon": -65.2045}, "nota": "x"}
    html = forms.render(SCHEMA, UI, data)
    assert forms.parse_submission(SCHEMA, submission(html), None, UI) == data


def test_validation_is_the_schemas() -> None:
    outside = {"ubicacion": {"direccion": "Buenos Aires", "lat": -34.6, "lon": -58.4}}
    assert sorted(forms.validate(SCHEMA, outside)) == ["/ubicacion/lat", "/ubicacion/lon"]
    html = _html(outside)
    assert 'min="-27.0" max="-26.7" step="any"' in html


@pytest.mark.parametrize(("folder", "form"), [
    ("certificado_catastral", "solicitud"),
    ("certificado_catastral", "identificacion"),
    ("permiso_via_publica", "solicitud"),
])
def test_the_procedures_ask_for_their_point_on_the_map(folder: str, form: str) -> None:
    schema = json.loads((PROCESSES / folder / f"{form}.schema.json").read_text(encoding="utf-8"))
    ui = json.loads((PROCESSES / folder / f"{form}.uischema.json").read_text(encoding="utf-8"))
    html = str(forms.render(schema, ui))
    assert "data-has-map>" in html
    box = _box(html)
    assert box["data-lat-input"] == "campo-ubicacion-lat" and box["data-lon-input"] == "campo-ubicacion-lon"
