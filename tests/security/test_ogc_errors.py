"""The public OGC API (pygeoapi at /ogc) is read-only and answers errors in the platform's words:
a POST of items was a 500 (pygeoapi's view returned nothing), and its error pages were English."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.mark.parametrize(("method", "path"), [("post", "/ogc/collections/parcelas/items"), ("put", "/ogc/"),
                                              ("delete", "/ogc/collections/parcelas/items/1")])
def test_writing_to_the_collections_is_a_405_in_spanish(app: Flask, method: str, path: str) -> None:
    response = getattr(app.test_client(), method)(path, json={"type": "Feature"}, headers={"Accept": "text/html"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert 'lang="es-AR"' in response.get_data(as_text=True)


def test_a_missing_page_reads_in_spanish_and_a_gis_client_keeps_its_json(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/ogc/collections/nada", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Página no encontrada" in page.get_data(as_text=True)
    problem = client.get("/ogc/collections/nada?f=json")
    assert problem.status_code == 404 and problem.is_json and "code" in problem.get_json()
    assert client.get("/ogc/collections/parcelas/items?f=json&limit=1").status_code == 200
