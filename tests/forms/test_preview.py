"""The analysts' preview page, through Flask's test client (no browser)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.forms.preview_app import make_app
from tests.forms.submit import submission

URL = "/estudio/formularios/"
SCHEMA = {
    "type": "object",
    "required": ["nombre"],
    "properties": {
        "nombre": {"type": "string", "title": "Nombre"},
        "telefonos": {"type": "array", "title": "Teléfonos", "items": {"type": "string"}},
    },
}


@pytest.fixture()
def client() -> Iterator[FlaskClient]:
    with make_app().test_client() as client:
        yield client


def _load(client: FlaskClient, schema: Any, data: Any = None, ui: Any = None) -> str:
    form = {"paso": "editar", "esquema": json.dumps(schema), "ui": json.dumps(ui) if ui else "",
            "datos": json.dumps(data) if data is not None else ""}
    response = client.post(URL, data=form)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _live_form(html: str) -> str:
    start = html.index('<form method="post" action="/estudio/formularios/" enctype="multipart/form-data" novalidate')
    return html[start:html.index("</form>", start)]


def test_get_shows_the_example_form(client: FlaskClient) -> None:
    html = client.get(URL).get_data(as_text=True)
    assert "Vista previa de formularios" in html and 'name="$/nombre"' in html
    assert "<script>" not in html and " style=" not in html


def test_pasted_schema_with_data_shows_validation(client: FlaskClient) -> None:
    html = _load(client, SCHEMA, {"telefonos": ["381 4000000"]})
    assert "Resultado de la validación" in html and "Este campo es obligatorio." in html
    assert 'value="381 4000000"' in html


def test_uploaded_schema_replaces_the_pasted_one(client: FlaskClient) -> None:
    upload = (io.BytesIO(json.dumps(SCHEMA).encode()), "esquema.json")
    response = client.post(URL, data={"paso": "editar", "esquema": "", "esquema_archivo": upload},
                           content_type="multipart/form-data")
    assert 'name="$/nombre"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("text", "message"), [
    ("{", "El esquema no es JSON válido (línea 1)."),
    ('{"type": "strin"}', "El esquema no es válido"),
    ('{"type": "string", "format": "cuit"}', "Formato desconocido «cuit»"),
    ("", "Pegue o suba un esquema JSON"),
])
def test_bad_schema_is_explained(client: FlaskClient, text: str, message: str) -> None:
    html = client.post(URL, data={"paso": "editar", "esquema": text}).get_data(as_text=True)
    assert message in html


def test_live_form_submission_shows_submitted_json_and_errors(client: FlaskClient) -> None:
    html = _load(client, SCHEMA, {"nombre": "Ana"})
    form = submission(_live_form(html))
    form["$/nombre"] = ""
    answer = client.post(URL, data=form).get_data(as_text=True)
    assert "JSON enviado" in answer and "Este campo es obligatorio." in answer
    assert 'aria-invalid="true"' in answer


def test_live_form_action_adds_a_row(client: FlaskClient) -> None:
    html = _load(client, SCHEMA, {"nombre": "Ana", "telefonos": []})
    form = submission(_live_form(html), ("__accion", "agregar /telefonos"))
    answer = client.post(URL, data=form, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="$/telefonos/0"' in answer and "Resultado de la validación" not in answer


def test_tampered_action_is_reported(client: FlaskClient) -> None:
    html = _load(client, SCHEMA, {"nombre": "Ana"})
    form = submission(_live_form(html))
    form.add("__accion", "agregar /nada")
    answer = client.post(URL, data=form).get_data(as_text=True)
    assert "La acción pedida no corresponde a este formulario." in answer
