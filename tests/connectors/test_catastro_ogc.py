"""Cadastre over real HTTP: pygeoapi mounted at ``/ogc`` in a bare Flask app, read by OWSLib and the connector.

The mount serves only the parcels' public attributes (``connectors.catastro.ogc.PUBLIC_PROPERTIES``),
so the connector, pointed at it, finds parcels without their owners; pointed at the
cadastre's own file (``CATASTRO_DATA``), as the platform's processes are, it gets them all.

pygeoapi reads ``PYGEOAPI_CONFIG``/``PYGEOAPI_OPENAPI`` when ``pygeoapi.flask_app`` is first
imported and then reconfigures the root logger, so the server runs in its own Python
process (under the suite's warning policy, ``tests/warning_policy.py``): the test process
stays clean and any other test may mount pygeoapi with its own configuration. The child
mounts pygeoapi with ``wsgi.mount_ogc``, as ``create_app`` does, and serves it with werkzeug
on a free loopback port. OWSLib is the independent OGC client.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from owslib.ogcapi.features import Features
from shapely.geometry import shape

from connectors.base import ConnectorContext, PermanentError, TemporaryError
from connectors.catastro import CatastroConnector
from connectors.catastro.ogc import PUBLIC_PROPERTIES, SAMPLE_DATA, write_pygeoapi_config
from tests.fixtures.require import free_port, wait_for_port
from tests.warning_policy import python_argv

ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import sys
from flask import Flask
from werkzeug.serving import make_server

import wsgi

app = Flask("ogc_test")
wsgi.mount_ogc(app)  # pygeoapi reads PYGEOAPI_CONFIG and PYGEOAPI_OPENAPI at the first request
make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""


@pytest.fixture(scope="module")
def ogc_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start pygeoapi on the sample parcels; yield its OGC API base URL."""
    folder = tmp_path_factory.mktemp("ogc")
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    config_path, openapi_path = write_pygeoapi_config(folder, public_url)
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        child = subprocess.Popen(
            python_argv(SERVER, str(port)),
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        if not wait_for_port(port, timeout=30):
            pytest.fail(f"pygeoapi did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        yield f"{public_url}/ogc"
    finally:
        child.terminate()
        child.wait(timeout=10)


@pytest.fixture(scope="module")
def sample() -> dict[int, dict[str, Any]]:
    """The sample parcels by padrón, read straight from the cadastre's file."""
    features = json.loads(SAMPLE_DATA.read_text(encoding="ascii"))["features"]
    return {f["properties"]["padron"]: f for f in features}


def public(feature: dict[str, Any]) -> dict[str, Any]:
    """What ``/ogc`` shows of a parcel's attributes."""
    return {k: v for k, v in feature["properties"].items() if k in PUBLIC_PROPERTIES}


@pytest.fixture
def call(ogc_url: str) -> Any:
    connector = CatastroConnector({"CATASTRO_OGC_URL": ogc_url})

    def run(operation: str, params: dict[str, Any], **config: str) -> dict[str, Any]:
        context = ConnectorContext(config={"CATASTRO_OGC_URL": ogc_url, **config})
        return getattr(connector, operation)(params, context)

    return run


# --- OWSLib, an independent OGC API – Features client ------------------------------------


def test_owslib_lists_the_parcels_collection(ogc_url: str) -> None:
    api = Features(ogc_url, timeout=10)
    assert "parcelas" in api.feature_collections()
    collection = api.collection("parcelas")
    assert collection["title"] == "Parcelas"
    assert "sintética" in collection["description"]
    # server.url is the mount URL, so every link the server writes leads back to it.
    assert {link["href"].split("?")[0] for link in api.links if link["rel"] == "self"} == {ogc_url}
    assert all(link["href"].startswith(ogc_url) for link in collection["links"] if link["rel"] == "items")


def test_owslib_pages_through_items(ogc_url: str) -> None:
    api = Features(ogc_url, timeout=10)
    first = api.collection_items("parcelas", limit=5)
    second = api.collection_items("parcelas", limit=5, offset=5)
    assert first["numberMatched"] == 1440 and len(first["features"]) == 5
    assert [f["id"] for f in second["features"]] == [100006, 100007, 100008, 100009, 100010]


def test_owslib_bbox_finds_the_parcels_in_a_box(ogc_url: str, sample: dict[int, dict[str, Any]]) -> None:
    api = Features(ogc_url, timeout=10)
    target = shape(sample[100500]["geometry"])
    centre = target.centroid
    found = api.collection_items("parcelas", bbox=[centre.x - 1e-5, centre.y - 1e-5, centre.x + 1e-5, centre.y + 1e-5])
    assert [f["id"] for f in found["features"]] == [100500]
    plaza = api.collection_items("parcelas", bbox=[-65.20385, -26.83035, -65.20375, -26.83025])
    assert plaza["features"] == []
    whole = api.collection_items("parcelas", bbox=list(target.bounds), limit=20)
    assert 100500 in {f["id"] for f in whole["features"]} and len(whole["features"]) > 1  # neighbours touch


def test_owslib_reads_one_parcel_by_id(ogc_url: str, sample: dict[int, dict[str, Any]]) -> None:
    api = Features(ogc_url, timeout=10)
    item = api.collection_item("parcelas", "100123")
    assert item["properties"] == public(sample[100123])
    assert item["geometry"]["type"] == "Polygon"
    queryables = api.collection_queryables("parcelas")["properties"]
    assert "padron" in queryables and "titular" not in queryables and "valuacion" not in queryables


# --- the connector against the same server -------------------------------------------------


def test_by_padron(call: Any, sample: dict[int, dict[str, Any]]) -> None:
    result = call("consultar_parcela", {"padron": 100777})
    assert result["encontrada"] is True
    assert result["parcela"] == public(sample[100777])
    assert result["geometria"] == sample[100777]["geometry"]
    assert call("consultar_parcela", {"padron": "100777"})["parcela"]["padron"] == 100777


def test_by_nomenclatura_keeps_accents(call: Any, sample: dict[int, dict[str, Any]]) -> None:
    expected = next(public(f) for f in sample.values() if "Á" in f["properties"]["calle"])
    result = call("consultar_parcela", {"nomenclatura": expected["nomenclatura"].lower()})
    assert result["encontrada"] is True and result["parcela"] == expected


@pytest.mark.parametrize("source", ["ogc", "file"])
def test_the_owner_data_come_from_the_cadastres_own_file_only(
        source: str, ogc_url: str, sample: dict[int, dict[str, Any]]) -> None:
    config = {"CATASTRO_OGC_URL": ogc_url} if source == "ogc" else {"CATASTRO_DATA": str(SAMPLE_DATA)}
    connector = CatastroConnector(config)
    context = ConnectorContext(config=config)
    expected = public(sample[100777]) if source == "ogc" else sample[100777]["properties"]
    by_number = connector.consultar_parcela({"padron": 100777}, context)
    assert by_number["parcela"] == expected and by_number["geometria"] == sample[100777]["geometry"]
    assert ("titular" in by_number["parcela"]) is (source == "file")


def test_by_point(call: Any, sample: dict[int, dict[str, Any]]) -> None:
    for padron in (100001, 100650, 101440):
        point = shape(sample[padron]["geometry"]).representative_point()
        result = call("parcela_en_punto", {"lon": point.x, "lat": point.y})
        assert result["encontrada"] is True and result["parcela"]["padron"] == padron
        assert result["parcela"]["zona"] in {"centro", "norte", "sur", "este", "oeste"}


def test_not_found(call: Any) -> None:
    empty = {"encontrada": False, "parcela": None, "geometria": None}
    assert call("consultar_parcela", {"padron": 999999}) == empty
    assert call("consultar_parcela", {"nomenclatura": "S9-C9-M999-P999"}) == empty
    assert call("parcela_en_punto", {"lon": -65.2038, "lat": -26.8303}) == empty  # Plaza Independencia
    assert call("parcela_en_punto", {"lon": -64.0, "lat": -31.4}) == empty  # Córdoba, far outside


def test_unknown_collection_is_permanent(call: Any) -> None:
    with pytest.raises(PermanentError, match="HTTP 404") as caught:
        call("consultar_parcela", {"padron": 100001}, CATASTRO_COLLECTION="no_existe")
    assert not caught.value.temporary


def test_server_down_is_temporary() -> None:
    down = f"http://127.0.0.1:{free_port()}/ogc"
    connector = CatastroConnector()
    with pytest.raises(TemporaryError, match="No se pudo conectar") as caught:
        connector.consultar_parcela({"padron": 100001}, ConnectorContext(config={"CATASTRO_OGC_URL": down}))
    assert caught.value.temporary and caught.value.status == 503


# --- the connector on the cadastre's own file (CATASTRO_DATA, the embedded default) -------


def test_the_file_source_finds_parcels_as_the_service_does(sample: dict[int, dict[str, Any]]) -> None:
    connector = CatastroConnector()
    context = ConnectorContext(config={"CATASTRO_DATA": str(SAMPLE_DATA)})
    named = sample[100650]["properties"]
    assert connector.consultar_parcela({"nomenclatura": named["nomenclatura"].lower()}, context)["parcela"] == named
    assert connector.consultar_parcela({"padron": "100001"}, context)["parcela"] == sample[100001]["properties"]
    for padron in (100001, 100650, 101440):
        point = shape(sample[padron]["geometry"]).representative_point()
        found = connector.parcela_en_punto({"lon": point.x, "lat": point.y}, context)
        assert found["parcela"] == sample[padron]["properties"]
    empty = {"encontrada": False, "parcela": None, "geometria": None}
    assert connector.consultar_parcela({"padron": 999999}, context) == empty
    assert connector.parcela_en_punto({"lon": -65.2038, "lat": -26.8303}, context) == empty  # the plaza


def test_a_missing_or_broken_file_is_permanent(tmp_path: Path) -> None:
    broken = tmp_path / "parcelas.geojson"
    broken.write_text("{no es json", encoding="utf-8")
    for path, message in ((tmp_path / "falta.geojson", "No se pudo leer"), (broken, "no es una colección")):
        with pytest.raises(PermanentError, match=message):
            CatastroConnector().consultar_parcela({"padron": 1}, ConnectorContext(config={"CATASTRO_DATA": str(path)}))


def test_missing_setting_is_permanent() -> None:
    with pytest.raises(PermanentError, match="CATASTRO_OGC_URL"):
        CatastroConnector().parcela_en_punto({"lon": -65.2, "lat": -26.8}, ConnectorContext())


def test_operations_are_declared() -> None:
    operations = CatastroConnector.operations()
    assert set(operations) == {"consultar_parcela", "parcela_en_punto"}
    declared, _ = operations["consultar_parcela"]
    assert declared.retry_safe and declared.description.startswith("Find a parcel")
