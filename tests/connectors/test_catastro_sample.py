"""The sample parcel dataset and the pygeoapi configuration written for the ``/ogc`` mount."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from connectors.catastro import make_sample
from connectors.catastro.ogc import (
    PUBLIC_DATA_NAME,
    PUBLIC_PROPERTIES,
    SAMPLE_DATA,
    OgcConfigError,
    write_pygeoapi_config,
)

PLAZA = Point(make_sample.PLAZA_LON, make_sample.PLAZA_LAT)


@pytest.fixture(scope="module")
def features() -> list[dict[str, Any]]:
    return json.loads(SAMPLE_DATA.read_text(encoding="ascii"))["features"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_pygeoapi_config(tmp_path_factory.mktemp("ogc"), "https://tramites.smt.gob.ar/")


def test_committed_sample_is_what_the_script_generates(tmp_path: Path) -> None:
    fresh = make_sample.write(tmp_path / "parcelas.geojson")
    assert fresh.read_bytes() == SAMPLE_DATA.read_bytes(), "run connectors/catastro/make_sample.py again"


def test_sample_says_it_is_synthetic(features: list[dict[str, Any]]) -> None:
    head = json.loads(SAMPLE_DATA.read_text(encoding="ascii"))
    assert "SINTÉTICA" in head["description"]
    assert {f["properties"]["fuente"] for f in features} == {make_sample.SOURCE}
    assert "sintética" in make_sample.SOURCE


def test_cadastral_numbers_are_unique_and_well_formed(features: list[dict[str, Any]]) -> None:
    props = [f["properties"] for f in features]
    assert 1000 <= len(props) <= 2000
    assert len({p["padron"] for p in props}) == len(props)
    assert len({p["nomenclatura"] for p in props}) == len(props)
    assert all(f["id"] == f["properties"]["padron"] for f in features)
    first = props[0]
    assert first["nomenclatura"] == (
        f"S{first['seccion']}-C{first['circunscripcion']}-M{first['manzana']:03d}-P{first['parcela']:03d}"
    )


def test_every_parcel_has_the_same_attributes(features: list[dict[str, Any]]) -> None:
    # pygeoapi's GeoJSON provider takes the queryable fields from the first feature only.
    keys = {tuple(f["properties"]) for f in features}
    assert keys == {(
        "padron", "nomenclatura", "seccion", "circunscripcion", "manzana", "parcela", "superficie_m2",
        "calle", "numero", "titular", "valuacion", "zona", "fuente",
    )}


def test_zones_sections_and_owners(features: list[dict[str, Any]]) -> None:
    props = [f["properties"] for f in features]
    zones = Counter(p["zona"] for p in props)
    assert set(zones) == {"centro", "norte", "sur", "este", "oeste"}
    assert all(make_sample.SECTIONS[p["zona"]] == p["seccion"] for p in props)
    owners = [p["titular"] for p in props]
    assert 0 < owners.count(None) < len(owners) / 5
    assert any("ñ" in (o or "") or "á" in (o or "") for o in owners)
    assert all(p["valuacion"] > 0 for p in props)


def test_blocks_are_split_without_gaps_or_overlaps(features: list[dict[str, Any]]) -> None:
    by_block: dict[int, list[Any]] = {}
    for feature in features:
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and geometry.geom_type == "Polygon"
        by_block.setdefault(feature["properties"]["manzana"], []).append(feature)
    assert len(by_block) == 120 and {len(v) for v in by_block.values()} == {12}
    block_area = make_sample.BLOCK_M**2
    for parcels in by_block.values():
        assert sum(p["properties"]["superficie_m2"] for p in parcels) == pytest.approx(block_area, abs=0.1)
        union = unary_union([shape(p["geometry"]) for p in parcels])
        assert union.area == pytest.approx(sum(shape(p["geometry"]).area for p in parcels), rel=1e-6)


def test_plaza_independencia_is_open_and_surrounded(features: list[dict[str, Any]]) -> None:
    shapes = [shape(f["geometry"]) for f in features]
    assert not any(s.covers(PLAZA) for s in shapes)
    nearest = min(s.distance(PLAZA) for s in shapes)
    # The nearest lot is across the street from the plaza's block: 57 m + 16 m away, in degrees.
    assert 0.0005 < nearest < 0.001
    streets = {f["properties"]["calle"] for f in features if shape(f["geometry"]).distance(PLAZA) < 0.0008}
    assert {"San Martín", "24 de Septiembre"} <= streets


def test_config_points_at_the_mount_and_validates(written: tuple[Path, Path]) -> None:
    from pygeoapi.config import validate_config

    config_path, _ = written
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert validate_config(config)
    assert config["server"]["url"] == "https://tramites.smt.gob.ar/ogc"
    assert config["server"]["languages"] == ["es"]
    collection = config["resources"]["parcelas"]
    assert collection["title"] == "Parcelas" and "sintética" in collection["description"]
    provider = collection["providers"][0]
    assert provider["name"] == "GeoJSON" and Path(provider["data"]) == config_path.parent / PUBLIC_DATA_NAME
    minx, miny, maxx, maxy = collection["extents"]["spatial"]["bbox"]
    assert minx < PLAZA.x < maxx and miny < PLAZA.y < maxy


def test_pygeoapi_serves_a_copy_with_the_public_attributes_only(
        written: tuple[Path, Path], features: list[dict[str, Any]]) -> None:
    copy = json.loads((written[0].parent / PUBLIC_DATA_NAME).read_text(encoding="ascii"))
    assert [f["id"] for f in copy["features"]] == [f["id"] for f in features]
    for served, source in zip(copy["features"], features, strict=True):
        assert served["properties"] == {k: v for k, v in source["properties"].items() if k in PUBLIC_PROPERTIES}
        assert served["geometry"] == source["geometry"]
    assert "titular" not in json.dumps(copy) and "valuaci" not in json.dumps(copy)


def test_the_public_copy_is_written_again_only_when_its_source_changes(tmp_path: Path) -> None:
    source = tmp_path / "parcelas.geojson"
    source.write_text(SAMPLE_DATA.read_text(encoding="ascii"), encoding="ascii")
    write_pygeoapi_config(tmp_path / "ogc", "http://x", source)
    copy = tmp_path / "ogc" / PUBLIC_DATA_NAME
    copy.write_text("{}", encoding="ascii")  # only a changed source or list rewrites it
    write_pygeoapi_config(tmp_path / "ogc", "http://x", source)
    assert copy.read_text(encoding="ascii") == "{}"
    data = json.loads(source.read_text(encoding="ascii"))
    data["features"] = data["features"][:3]
    source.write_text(json.dumps(data), encoding="ascii")
    write_pygeoapi_config(tmp_path / "ogc", "http://x", source)
    assert len(json.loads(copy.read_text(encoding="ascii"))["features"]) == 3


def test_openapi_document_is_pygeoapis_own_and_valid(written: tuple[Path, Path]) -> None:
    from pygeoapi.openapi import validate_openapi_document

    _, openapi_path = written
    document = yaml.safe_load(openapi_path.read_text(encoding="utf-8"))
    assert validate_openapi_document(document)
    assert document["servers"][0]["url"] == "https://tramites.smt.gob.ar/ogc"
    assert "/collections/parcelas/items" in document["paths"]
    item_params = {p.get("name") for p in document["paths"]["/collections/parcelas/items"]["get"]["parameters"]}
    assert {"padron", "nomenclatura"} <= item_params and not {"titular", "valuacion"} & item_params


def test_missing_or_bad_data_is_reported(tmp_path: Path) -> None:
    with pytest.raises(OgcConfigError, match="cannot read"):
        write_pygeoapi_config(tmp_path, "http://x", tmp_path / "missing.geojson")
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(OgcConfigError, match="no parcels"):
        write_pygeoapi_config(tmp_path, "http://x", empty)
    with pytest.raises(OgcConfigError, match="not allowed"):
        write_pygeoapi_config(tmp_path, "http://x/${HOME}")
