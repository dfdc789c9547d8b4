"""The public pages without a browser: what a person reads, and bad input."""

from __future__ import annotations

from flask import Flask

from tests.figures import seed
from tests.figures.test_open_data import published


def test_the_city_page_lists_each_procedure_with_its_twelve_months_and_links_to_it(app: Flask) -> None:
    client, seeded = published(app)
    page = client.get("/datos/").get_data(as_text=True)
    started = sum(1 for c in seeded.cases if c["key"] == seed.PERMISO)
    assert "Permiso de prueba" in page and f'href="/datos/{seed.PERMISO}"' in page
    assert f"<td data-label=\"Iniciados\">{started}</td>" in page
    assert 'role="img"' in page and "<caption>" in page


def test_a_procedure_without_a_refusal_rule_or_a_term_shows_neither_column(app: Flask) -> None:
    client, _seeded = published(app)
    page = client.get(f"/datos/{seed.CONSTANCIA}").get_data(as_text=True)
    assert "Rechazados" not in page and "En plazo" not in page
    page = client.get(f"/datos/{seed.PERMISO}").get_data(as_text=True)
    assert "Rechazados" in page and "En plazo" in page


def test_unknown_procedures_months_and_files_are_404_in_spanish(app: Flask) -> None:
    client, _seeded = published(app)
    for path in ("/datos/no-existe", "/datos/reclamos?mes=1999-01", "/datos/reclamos?mes=<script>",
                 "/datos/reclamos/celdas.geojson?mes=2026-13", "/datos/abiertos/../../etc/passwd",
                 "/datos/abiertos/otro.csv"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "<script>" not in answer.get_data(as_text=True)


def test_the_csv_downloads_as_a_utf8_attachment_with_its_digest(app: Flask) -> None:
    client, _seeded = published(app)
    answer = client.get("/datos/abiertos/tramites-por-mes.csv")
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="tramites-por-mes.csv"'
    assert answer.headers["ETag"].strip('"') and answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Permiso de prueba" in answer.get_data(as_text=True)
