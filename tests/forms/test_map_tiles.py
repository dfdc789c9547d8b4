"""TRAMITES_MAP_TILES_URL: parsed once, allowed by the fronts' CSP (images only), handed to form-map.js."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from flask import Flask

from engine.identity.accounts import ensure_user
from engine.settings import ConfigError, MapTiles, read_settings
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _tiles(value: str | None, tmp_path: Path) -> MapTiles:
    environ = {"TRAMITES_INSTANCE_PATH": str(tmp_path)}
    if value is not None:
        environ["TRAMITES_MAP_TILES_URL"] = value
    tiles: MapTiles = read_settings(environ)["MAP_TILES_URL"]
    return tiles


def test_the_default_is_openstreetmap_with_its_credit(tmp_path: Path) -> None:
    assert _tiles(None, tmp_path) == MapTiles(OSM, "© colaboradores de OpenStreetMap", "https://tile.openstreetmap.org")


def test_a_city_server_with_subdomains_port_and_credit(tmp_path: Path) -> None:
    tiles = _tiles("https://{s}.tiles.smt.gob.ar:8443/base/{z}/{x}/{y}.png  © Catastro SMT", tmp_path)
    assert tiles == MapTiles("https://{s}.tiles.smt.gob.ar:8443/base/{z}/{x}/{y}.png", "© Catastro SMT",
                             "https://*.tiles.smt.gob.ar:8443")
    assert _tiles("http://127.0.0.1:8080/{z}/{x}/{y}.png", tmp_path).attribution == ""


@pytest.mark.parametrize(("value", "message"), [
    ("ftp://tiles.example/{z}/{x}/{y}.png", "must be a URL starting with"),
    ("https://tiles.example/mapa.png", "{z}, {x} and {y}"),
    ("https://a{s}.tiles.example/{z}/{x}/{y}.png", "{s} as its first label"),
    ("https:///{z}/{x}/{y}.png", "has no host"),
])
def test_a_bad_tiles_url_names_the_variable(value: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _tiles(value, tmp_path)
    assert str(caught.value).startswith("TRAMITES_MAP_TILES_URL: ") and message in str(caught.value)


def _img_src(csp: str) -> str:
    found = re.search(r"img-src ([^;]*);", csp)
    assert found, csp
    return found.group(1)


def test_every_front_page_allows_the_tiles_as_images_only(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    for path in ("/", "/ingresar"):
        csp = client.get(path).headers["Content-Security-Policy"]
        assert _img_src(csp) == "'self' data: https://tile.openstreetmap.org"
        assert "script-src 'self';" in csp and "connect-src 'self';" in csp and "style-src 'self';" in csp
    assert "tile.openstreetmap.org" not in client.get("/ogc/?f=html").headers["Content-Security-Policy"]


def _citizen_on(app: Flask, procedure: str) -> Web:
    """A signed-in citizen of ``app``, where ``procedure`` is deployed."""
    assert ApiClient(app, make_token(app, "despliegue", "admin")).deploy(PROCESSES / procedure).status_code == 201
    with app.app_context(), unit_of_work():
        ensure_user("vecina", display_name="Vecina", password="vecina-clave-segura", email="vecina@example.com",
                    roles=("citizen",))
    web = Web(app.test_client())
    web.sign_in("vecina", "vecina-clave-segura")
    return web


def test_the_start_page_of_a_form_with_a_map_loads_the_map(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAP_TILES_URL="https://{s}.tiles.smt.gob.ar/{z}/{x}/{y}.png © Catastro <SMT>")
    page = _citizen_on(app, "permiso_via_publica").client.get("/iniciar/permiso_via_publica")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _img_src(page.headers["Content-Security-Policy"]).endswith(
        " https://*.tiles.smt.gob.ar")
    script = re.search(r'<script src="/static/js/form-map.js" defer data-tiles-url="([^"]*)" '
                       r'data-attribution="([^"]*)"></script>', html)
    assert script, html[:3000]
    assert unescape(script.group(1)) == "https://{s}.tiles.smt.gob.ar/{z}/{x}/{y}.png"
    assert unescape(script.group(2)) == "© Catastro <SMT>" and "&lt;SMT&gt;" in script.group(2)
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/css/form-map.css" in html
    assert 'data-lat-input="campo-ubicacion-lat"' in html


def test_pages_without_a_map_do_not_load_it(make_app: Callable[..., Flask]) -> None:
    page = _citizen_on(make_app(), "habilitacion_comercial").client.get("/iniciar/habilitacion_comercial")
    assert page.status_code == 200 and "form-map.js" not in page.get_data(as_text=True)


def test_an_empty_setting_means_maps_without_tiles(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    environ = {"TRAMITES_INSTANCE_PATH": str(tmp_path), "TRAMITES_MAP_TILES_URL": ""}
    assert read_settings(environ)["MAP_TILES_URL"] is None
    csp = make_app(MAP_TILES_URL="").test_client().get("/ingresar").headers["Content-Security-Policy"]
    assert _img_src(csp) == "'self' data:"
