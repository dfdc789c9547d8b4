"""Issue #16, hole 12 (medium): owner data of every parcel on a public endpoint.

``/ogc`` (OGC API – Features, licence CC0, no sign-in) published the ``titular`` and the
``valuacion`` of every parcel, in every format pygeoapi speaks, and let anyone filter by
owner. The public collection now carries only what may be public (parcel, address, area,
zone); the owner data reach staff and processes through the cadastre connector, which reads
the cadastre's own source.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from connectors.catastro.ogc import SAMPLE_DATA
from engine.runtime import EXTENSION_KEY

ITEMS = "/ogc/collections/parcelas/items"
PUBLIC = {"padron", "nomenclatura", "seccion", "circunscripcion", "manzana", "parcela", "superficie_m2",
          "calle", "numero", "zona", "fuente"}


@pytest.fixture(scope="module")
def sample() -> dict[int, dict[str, Any]]:
    features = json.loads(SAMPLE_DATA.read_text(encoding="ascii"))["features"]
    return {f["properties"]["padron"]: f["properties"] for f in features}


def _secrets(parcel: dict[str, Any]) -> list[str]:
    """What must not appear: the attribute names, the owner (as typed and as JSON escapes it), the value."""
    owner = parcel["titular"]
    return ["titular", "valuaci", owner, json.dumps(owner)[1:-1], str(parcel["valuacion"])]


def _get(client: Any, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


PAGES = [
    f"{ITEMS}?f=json", f"{ITEMS}?f=json&limit=500", f"{ITEMS}?f=html", f"{ITEMS}?f=jsonld", f"{ITEMS}?f=csv",
    f"{ITEMS}", f"{ITEMS}?f=json&properties=titular,valuacion", f"{ITEMS}?f=json&properties=padron,titular",
    f"{ITEMS}?f=json&sortby=valuacion", f"{ITEMS}/100001?f=json", f"{ITEMS}/100001?f=html",
    f"{ITEMS}/100001?f=jsonld", f"{ITEMS}/100001", "/ogc/collections/parcelas/queryables?f=json",
    "/ogc/collections/parcelas/schema?f=json", "/ogc/collections/parcelas?f=json", "/ogc/collections?f=json",
    "/ogc/openapi?f=json", "/ogc/?f=json",
]


def test_the_public_ogc_collection_shows_no_owner_data_in_any_form(
        app: Flask, sample: dict[int, dict[str, Any]]) -> None:
    client = app.test_client()
    first = sample[100001]
    for url in PAGES:
        status, body = _get(client, url)
        assert status < 500, (url, status, body[:500])
        for secret in _secrets(first):
            assert secret not in body, (url, secret)

    status, body = _get(client, f"{ITEMS}?f=json&limit=5")
    assert status == 200
    for feature in json.loads(body)["features"]:
        assert set(feature["properties"]) <= PUBLIC, feature["properties"]
        for secret in _secrets(sample[feature["id"]]):
            assert secret not in json.dumps(feature, ensure_ascii=False), secret
    item = json.loads(_get(client, f"{ITEMS}/100123?f=json")[1])
    assert item["properties"] == {k: v for k, v in sample[100123].items() if k in PUBLIC}
    assert item["geometry"]["type"] == "Polygon"


def test_nobody_can_find_a_parcel_by_its_owner_or_value(app: Flask, sample: dict[int, dict[str, Any]]) -> None:
    client = app.test_client()
    owner, value = sample[100001]["titular"], sample[100001]["valuacion"]
    for query in ({"titular": owner}, {"valuacion": value}):
        response = client.get(ITEMS, query_string={"f": "json", **query})
        found = response.get_json() if response.status_code == 200 else {}
        # refused, or the filter is ignored: never only the owner's parcel
        assert response.status_code >= 400 or found.get("numberMatched") == len(sample), (query, found)


def test_the_cadastre_connector_processes_use_still_reads_the_owner_data(
        app: Flask, sample: dict[int, dict[str, Any]]) -> None:
    connectors = app.extensions[EXTENSION_KEY].connectors
    by_number = connectors.invoke("catastro/consultar_parcela", {"padron": 100777}, {})
    assert by_number["encontrada"] is True and by_number["parcela"] == sample[100777]
    assert by_number["parcela"]["titular"] and by_number["parcela"]["valuacion"] > 0
    by_name = connectors.invoke("catastro/consultar_parcela", {"nomenclatura": sample[100650]["nomenclatura"]}, {})
    assert by_name["parcela"] == sample[100650]
    inside = {"lat": -26.8241764, "lon": -65.210789}  # in parcel 100001
    at_point = connectors.invoke("catastro/parcela_en_punto", inside, {})
    assert at_point["parcela"] == sample[100001]
    assert connectors.invoke("catastro/consultar_parcela", {"padron": 999999}, {})["encontrada"] is False
