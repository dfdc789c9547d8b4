"""The form editor's pages through Flask's test client: the draft's forms, a new pair of files,
the editor page and the live preview fragment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from engine.db import db
from engine.studio import drafts
from engine.uow import unit_of_work
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import Web, password_of

pytestmark = SQLITE_ONLY

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SCHEMA = {
    "type": "object",
    "title": "Permiso",
    "required": ["nombre"],
    "properties": {
        "nombre": {"type": "string", "title": "Nombre del organizador"},
        "tipo": {"type": "string", "title": "Tipo", "oneOf": [{"const": "cultural", "title": "Cultural"}]},
    },
}


@pytest.fixture
def draft_id(identity_app: Flask) -> int:
    with identity_app.app_context(), unit_of_work():
        draft = drafts.create_empty("Permiso de eventos", "permiso_eventos", "analista", NOW)
        drafts.put_file(draft, "solicitud.schema.json", json.dumps(SCHEMA).encode(), "analista", NOW)
        db.session.flush()
        return int(draft.id)


def _signed_in(app: Flask, who: str = "analista") -> Web:
    web = Web(app.test_client())
    web.sign_in(who, password_of(who))
    return web


def _files(app: Flask, draft_id: int) -> dict[str, bytes]:
    with app.app_context():
        return drafts.files_of(drafts.get(draft_id))


def _token(web: Web, draft_id: int) -> str:
    return web.form_token(f"/estudio/borradores/{draft_id}/formularios")


def test_the_list_shows_the_drafts_forms_and_links_their_editor(identity_app: Flask, draft_id: int) -> None:
    web = _signed_in(identity_app)
    html = web.client.get(f"/estudio/borradores/{draft_id}/formularios").get_data(as_text=True)
    assert f'href="/estudio/borradores/{draft_id}/formularios/solicitud.schema.json"' in html
    assert "Formulario nuevo" in html and " style=" not in html and "<script>" not in html


def test_a_new_form_is_a_pair_of_files_named_after_its_title(identity_app: Flask, draft_id: int) -> None:
    web = _signed_in(identity_app)
    response = web.post_form(f"/estudio/borradores/{draft_id}/formularios", {"titulo": "Croquis y tasa"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith(f"/estudio/borradores/{draft_id}/formularios/croquis_y_tasa.schema.json")
    files = _files(identity_app, draft_id)
    assert json.loads(files["croquis_y_tasa.schema.json"])["title"] == "Croquis y tasa"
    assert json.loads(files["croquis_y_tasa.uischema.json"]) == {}
    again = web.post_form(f"/estudio/borradores/{draft_id}/formularios", {"titulo": "Croquis y tasa"})
    assert again.status_code == 400 and "ya tiene el formulario" in again.get_data(as_text=True)
    empty = web.post_form(f"/estudio/borradores/{draft_id}/formularios", {"titulo": "  "})
    assert empty.status_code == 400 and "Escriba el título" in empty.get_data(as_text=True)


def test_the_editor_carries_both_texts_and_its_urls(identity_app: Flask, draft_id: int) -> None:
    web = _signed_in(identity_app)
    response = web.client.get(f"/estudio/borradores/{draft_id}/formularios/solicitud.schema.json")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nombre del organizador" in html  # the schema's text, escaped in its textarea
    assert f'data-files-url="/estudio/borradores/{draft_id}/archivos/"' in html
    assert 'data-ui-name="solicitud.uischema.json"' in html and "vendor/studio/form-editor.js" in html
    assert " style=" not in html and "<script>" not in html and 'name="csrf-token"' in html


@pytest.mark.parametrize("name", ["no_existe.schema.json", "solicitud.uischema.json", "permiso_eventos.bpmn"])
def test_the_editor_opens_only_a_schema_of_the_draft(identity_app: Flask, draft_id: int, name: str) -> None:
    web = _signed_in(identity_app)
    response = web.client.get(f"/estudio/borradores/{draft_id}/formularios/{name}")
    assert response.status_code == 404 and "no tiene el formulario" in response.get_data(as_text=True)


def _preview(web: Web, draft_id: int, body: Any) -> Any:
    return web.client.post(f"/estudio/borradores/{draft_id}/formularios/vista-previa", json=body,
                           headers={"X-CSRF-Token": _token(web, draft_id)})


def test_the_preview_renders_the_form_as_the_citizen_sees_it(identity_app: Flask, draft_id: int) -> None:
    web = _signed_in(identity_app)
    response = _preview(web, draft_id, {"schema": SCHEMA, "ui": {"tipo": {"ui:widget": "radio"}}})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'name="$/nombre"' in html and "Nombre del organizador" in html
    assert 'type="radio"' in html and "Cultural" in html
    assert "<html" not in html  # a fragment


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"schema": {"type": "strin"}}, 422, "El esquema no es válido"),
    ({"schema": {"type": "string", "format": "cuit"}}, 422, "Formato desconocido «cuit»"),
    ({"schema": []}, 400, "Envíe un objeto JSON"),
    ({"schema": {}, "ui": []}, 400, "debe ser un objeto JSON"),
])
def test_a_preview_that_cannot_be_shown_says_why(identity_app: Flask, draft_id: int, body: Any, status: int,
                                                detail: str) -> None:
    web = _signed_in(identity_app)
    response = _preview(web, draft_id, body)
    assert response.status_code == status
    answer = response.get_json()
    assert answer["title"] == "No se puede mostrar el formulario" and detail in answer["detail"]


def test_the_preview_needs_the_csrf_token(identity_app: Flask, draft_id: int) -> None:
    web = _signed_in(identity_app)
    response = web.client.post(f"/estudio/borradores/{draft_id}/formularios/vista-previa", json={"schema": SCHEMA})
    assert response.status_code in (400, 403)


def test_staff_may_not_open_the_editor(identity_app: Flask, draft_id: int) -> None:
    web = _signed_in(identity_app, "mesa")
    assert web.client.get(f"/estudio/borradores/{draft_id}/formularios/solicitud.schema.json").status_code == 403
