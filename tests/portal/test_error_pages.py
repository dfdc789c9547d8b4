"""Errors anywhere on the site: the pages answer in Spanish within the layout, the API keeps its
problem documents, and the browser's own request for the icon finds one."""

from __future__ import annotations

from flask import Flask

from engine.identity.access import public


def test_an_unknown_address_is_a_spanish_page_with_the_layout(app: Flask) -> None:
    answer = app.test_client().get("/no-existe/esta-pagina")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    assert '<html lang="es-AR">' in html and "Página no encontrada" in html
    assert 'href="/"' in html and "Volver al inicio" in html
    assert "Not Found" not in html and "requested URL" not in html


def test_a_method_a_page_does_not_take_is_a_spanish_405_naming_what_it_takes(app: Flask) -> None:
    answer = app.test_client().delete("/guia/")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]
    assert "Acción no disponible" in html and "Method Not Allowed" not in html


def test_the_api_keeps_its_problem_documents(app: Flask) -> None:
    answer = app.test_client().get("/api/v1/no-existe")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["status"] == 404
    wrong = app.test_client().delete("/api/v1/openapi.json")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"


def test_an_unexpected_failure_on_a_page_is_a_spanish_500(app: Flask) -> None:
    @public
    def broken() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/_prueba/falla", "broken", broken)
    answer = app.test_client().get("/_prueba/falla")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 500 and "Error inesperado" in html and '<html lang="es-AR">' in html


def test_the_icon_browsers_ask_for_is_served_and_every_page_names_it(app: Flask) -> None:
    client = app.test_client()
    asked = client.get("/favicon.ico")
    assert asked.status_code == 301 and asked.headers["Location"].endswith("/static/favicon.svg")
    with client.get("/static/favicon.svg") as icon:  # a file response: closed when read
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"SMT" in icon.data
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)
