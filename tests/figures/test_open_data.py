"""The open data as the public downloads it: every file validates against its data dictionary
(the Table Schema in datapackage.json, checked with jsonschema), small counts are not published,
and the open-data page lists each dataset with its DCAT metadata."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import jsonschema
from flask import Flask

from engine.background.jobs import run_due_work
from engine.db import db
from engine.figures import hexgrid
from engine.uow import unit_of_work
from tests.figures import seed

K = 5  # FIGURES_MIN_COUNT by default
JSON_TYPES = {"integer": "integer", "number": "number", "string": "string", "yearmonth": "string"}


def row_schema(table_schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema for one row of a Table Schema: types, required, minimum, maximum, pattern."""
    properties: dict[str, Any] = {}
    required = []
    for spec in table_schema["fields"]:
        rules = spec.get("constraints", {})
        kind: dict[str, Any] = {"type": JSON_TYPES[spec["type"]]}
        kind.update({k: v for k, v in rules.items() if k in ("minimum", "maximum")})
        if "pattern" in rules:
            kind["pattern"] = f"^(?:{rules['pattern']})$"
        if spec["type"] == "yearmonth":
            kind["pattern"] = r"^\d{4}-(0[1-9]|1[0-2])$"
        if rules.get("required"):
            required.append(spec["name"])
            properties[spec["name"]] = kind
        else:
            properties[spec["name"]] = {"anyOf": [kind, {"type": "null"}]}
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def typed(table_schema: dict[str, Any], cells: dict[str, str]) -> dict[str, Any]:
    """A CSV row read back by its schema: missing values to None, integers and numbers parsed."""
    kinds = {f["name"]: f["type"] for f in table_schema["fields"]}
    out: dict[str, Any] = {}
    for name, text in cells.items():
        if text in table_schema["missingValues"]:
            out[name] = None
        elif kinds[name] == "integer":
            out[name] = int(text)
        elif kinds[name] == "number":
            out[name] = float(text)
        else:
            out[name] = text
    return out


def published(app: Flask) -> tuple[Any, seed.Seeded]:
    """Seed, then run the background work once as the runner does: it refreshes and publishes."""
    with app.app_context():
        seeded = seed.seed()
        db.session.commit()
    app.extensions["tramites"].clock = lambda: seed.NOW
    with app.app_context():
        run_due_work(app.extensions["tramites"].engine_context(), unit_of_work)
    return app.test_client(), seeded


def test_every_published_file_validates_against_its_data_dictionary(app: Flask) -> None:
    client, _seeded = published(app)
    package = client.get("/datos/abiertos/datapackage.json").get_json()
    assert package["profile"] == "tabular-data-package" and package["licenses"][0]["name"] == "CC-BY-4.0"
    checked = 0
    for resource in package["resources"]:
        name = resource["path"].rsplit("/", 1)[1]
        answer = client.get(f"/datos/abiertos/{name}")
        assert answer.status_code == 200, name
        validator = jsonschema.Draft202012Validator(row_schema(resource["schema"]))
        if resource["format"] == "csv":
            assert answer.mimetype == "text/csv"
            reader = csv.DictReader(io.StringIO(answer.get_data(as_text=True)))
            assert reader.fieldnames == [f["name"] for f in resource["schema"]["fields"]]
            rows = [typed(resource["schema"], r) for r in reader]
        else:
            rows = json.loads(answer.get_data())
        assert rows, name
        for row in rows:
            validator.validate(row)
        keys = [tuple(r[k] for k in resource["schema"]["primaryKey"]) for r in rows]
        assert len(keys) == len(set(keys)), name
        checked += 1
    assert checked == 4


def test_a_category_with_fewer_than_k_reclamos_in_a_cell_is_not_published(app: Flask) -> None:
    client, _seeded = published(app)
    rows = client.get("/datos/abiertos/reclamos-por-zona.json").get_json()
    sparse, crowded = hexgrid.cell_of(*seed.SPARSE), hexgrid.cell_of(*seed.CROWDED)
    assert [(r["categoria"], r["celda"], r["total"]) for r in rows] == [("baches", crowded, 6)]
    text = client.get("/datos/abiertos/reclamos-por-zona.csv").get_data(as_text=True)
    assert "alumbrado" not in text and sparse not in text
    geojson = client.get("/datos/reclamos/celdas.geojson?mes=2026-02").get_json()
    assert [f["properties"]["total"] for f in geojson["features"]] == [6]
    assert "alumbrado" not in client.get("/datos/reclamos?mes=2026-02").get_data(as_text=True).lower()


def test_the_figures_published_are_those_computed_from_the_seeded_cases(app: Flask) -> None:
    client, seeded = published(app)
    rows = {(r["procedimiento"], r["mes"]): r for r in client.get("/datos/abiertos/tramites-por-mes.json").get_json()
            if r["procedimiento"] != "reclamo"}
    expected = seed.expected_procedure_months(seeded)
    assert set(rows) == {(key, month.strftime("%Y-%m")) for key, month in expected}
    for (key, month), want in expected.items():
        row = rows[(key, month.strftime("%Y-%m"))]
        enough = want["finished"] >= K
        assert (row["iniciados"], row["finalizados"]) == (want["started"], want["finished"])
        assert row["mediana_dias_habiles"] == (want["median"] if enough else None)
        assert row["p90_dias_habiles"] == (want["p90"] if enough else None)
        if key == seed.PERMISO and enough:
            assert row["porcentaje_rechazados"] == round(want["refused"] / want["finished"] * 100, 1)
            assert row["porcentaje_en_plazo"] == round(want["on_time"] / want["finished"] * 100, 1)
        else:
            assert row["porcentaje_rechazados"] is None and row["porcentaje_en_plazo"] is None


def test_the_open_data_page_lists_each_dataset_with_its_dcat_metadata(app: Flask) -> None:
    client, _seeded = published(app)
    catalogue = client.get("/datos/data.json").get_json()
    assert catalogue["@type"] == "dcat:Catalog"
    page = client.get("/datos/abiertos").get_data(as_text=True)
    for dataset in catalogue["dataset"]:
        for key in ("title", "description", "license", "accrualPeriodicity", "publisher", "modified"):
            assert dataset[key], key
        assert dataset["title"] in page
        assert dataset["publisher"]["name"] in page
        assert dataset["accrualPeriodicity"] in page
        assert dataset["license"] in page
        for distribution in dataset["distribution"]:
            assert distribution["downloadURL"].endswith(tuple(f"{d}" for d in ("/tramites-por-mes.csv",
                                                                               "/tramites-por-mes.json",
                                                                               "/reclamos-por-zona.csv",
                                                                               "/reclamos-por-zona.json")))
            assert distribution["downloadURL"].rsplit("/", 1)[1] in page
    assert "Licencia" in page and "Frecuencia de actualización" in page and "Publicado por" in page


def test_before_the_first_publication_the_page_says_so_and_files_are_404(app: Flask) -> None:
    client = app.test_client()
    assert "Todavía no se publicaron" in client.get("/datos/abiertos").get_data(as_text=True)
    assert client.get("/datos/abiertos/tramites-por-mes.csv").status_code == 404
    assert client.get("/datos/data.json").status_code == 404
