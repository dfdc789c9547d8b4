"""An analyst builds a form with the outline in Chromium, saves it, and the saved JSON Schema
and UI schema are forms the platform reads: a sample validates, a wrong one fails on the
right fields, and forms/ renders them. axe-core finds no violation and the CSP refuses nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

import forms
from engine.db import db
from engine.studio import drafts
from engine.uow import unit_of_work
from tests.fixtures.browser import Visit
from tests.fixtures.identity import password_of

pytestmark = pytest.mark.browser
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def served(identity_app: Flask, live_server: Callable[[Any], Any]) -> tuple[Flask, str, int]:
    with identity_app.app_context(), unit_of_work():
        draft = drafts.create_empty("Permiso de eventos", "permiso_eventos", "analista", NOW)
        db.session.flush()
        draft_id = int(draft.id)
    return identity_app, live_server(identity_app).url, draft_id


def _add(page: Any, label: str, kind: str, within: str = "raiz") -> None:
    page.fill(f"#fe-nuevo-{within}-etiqueta", label)
    page.select_option(f"#fe-nuevo-{within}-tipo", kind)
    page.click(f"#fe-nuevo-{within}-agregar")
    page.wait_for_selector(f"text=Se agregó «{label}».")


def _card(page: Any, label: str) -> Any:
    """The outline's card of the field whose label input holds ``label``."""
    return page.locator("li.fe-campo", has=page.locator(f"input[data-act='label'][value='{label}']")).last


def _texts(page: Any) -> tuple[Any, Any]:
    return json.loads(page.input_value("#fe-texto-esquema")), json.loads(page.input_value("#fe-texto-ui"))


def test_an_analyst_builds_a_form_with_the_outline(page: Any, served: tuple[Flask, str, int]) -> None:
    app, base, draft_id = served
    visit = Visit(page, base)
    page.goto(f"{base}/ingresar?siguiente=/estudio/borradores/{draft_id}/formularios")
    page.fill("#campo-usuario", "analista")
    page.fill("#campo-contrasena", password_of("analista"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_url(f"**/estudio/borradores/{draft_id}/formularios")
    visit.check()
    page.fill("#fe-titulo", "Solicitud de evento")
    page.click("main button:has-text('Crear el formulario')")
    page.wait_for_url("**/formularios/solicitud_de_evento.schema.json")
    page.wait_for_selector("#form-editor[data-started='true']")

    _add(page, "Nombre del organizador", "text")
    _card(page, "Nombre del organizador").locator("input[data-act='required']").check()
    _add(page, "Cantidad de asistentes", "number")
    _add(page, "Fecha del evento", "date")
    _add(page, "Tipo de evento", "choice")
    options = _card(page, "Tipo de evento").locator("textarea[data-act='options']")
    options.fill("Cultural\nDeportivo\nFeria o mercado")
    options.blur()
    page.wait_for_selector("text=Valores guardados: cultural, deportivo, feria_o_mercado")
    _add(page, "¿Corta calles?", "yesno")
    _add(page, "Calles afectadas", "text")
    calles = _card(page, "Calles afectadas")
    calles.locator("input[data-act='required']").check()
    _card(page, "Calles afectadas").locator("select[data-act='when-field']").select_option("corta_calles")
    _card(page, "Calles afectadas").locator("select[data-act='when-value']").select_option(label="Sí")
    _add(page, "Croquis del lugar", "file")
    _add(page, "Ubicación", "map")
    _add(page, "Responsables", "group")
    group = _card(page, "Responsables").get_attribute("id").removeprefix("fe-")
    _add(page, "Nombre y apellido", "text", within=group)
    _add(page, "Teléfono", "text", within=group)
    _card(page, "Nombre y apellido").locator("input[data-act='required']").check()

    # Reorder with the keyboard: the date goes first, focus stays on its button.
    up = _card(page, "Fecha del evento").locator("button[data-act='up']")
    up.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=«Fecha del evento» quedó en el lugar 1 de 9.")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Subir «Fecha del evento»"

    schema, ui = _texts(page)
    assert ui["ui:order"][:3] == ["fecha_del_evento", "nombre_del_organizador", "cantidad_de_asistentes"]
    assert ui["ubicacion"] == {"ui:widget": "mapa"}
    feria = {"const": "feria_o_mercado", "title": "Feria o mercado"}
    assert schema["properties"]["tipo_de_evento"]["oneOf"][2] == feria

    # The live preview shows the form as the citizen will see it.
    preview = page.locator("[data-role='preview']")
    preview.locator("text=Responsables").first.wait_for()
    assert preview.locator("input[type='date']").count() == 1
    assert preview.locator("input[type='file']").count() == 1
    visit.check()

    # The text re-reads into the outline: a title changed in the JSON shows as the label.
    edited = dict(schema, properties={**schema["properties"], "cantidad_de_asistentes": {
        **schema["properties"]["cantidad_de_asistentes"], "title": "Asistentes esperados"}})
    page.fill("#fe-texto-esquema", json.dumps(edited, ensure_ascii=False, indent=2))
    page.wait_for_selector("input[data-act='label'][value='Asistentes esperados']")

    page.click("button[data-role='save']")
    page.wait_for_selector("text=Guardado a las")
    visit.check()

    with app.app_context():
        files = drafts.files_of(drafts.get(draft_id))
    saved = json.loads(files["solicitud_de_evento.schema.json"])
    saved_ui = json.loads(files["solicitud_de_evento.uischema.json"])
    assert saved == json.loads(page.input_value("#fe-texto-esquema"))
    forms.check_schema(saved)
    document = {"key": "k", "name": "croquis.pdf", "content_type": "application/pdf", "size": 3, "sha256": "0" * 64}
    sample = {
        "fecha_del_evento": "2026-12-24", "nombre_del_organizador": "Ana Pérez", "cantidad_de_asistentes": 300,
        "tipo_de_evento": "feria_o_mercado", "corta_calles": True, "calles_afectadas": "San Martín al 100",
        "croquis_del_lugar": document, "ubicacion": {"lat": -26.83, "lon": -65.2},
        "responsables": [{"nombre_y_apellido": "Luis Gómez", "telefono": "381 4000000"}],
    }
    assert forms.validate(saved, sample) == {}
    missing = forms.validate(saved, {**sample, "calles_afectadas": None, "responsables": [{"telefono": "1"}]})
    assert set(missing) >= {"/calles_afectadas", "/responsables/0/nombre_y_apellido"}
    without_streets = {k: v for k, v in sample.items() if k != "calles_afectadas"} | {"corta_calles": False}
    assert forms.validate(saved, without_streets) == {}
    assert forms.validate(saved, {**sample, "tipo_de_evento": "otro"}) != {}
    html = str(forms.render(saved, saved_ui, sample))
    for name in ("fecha_del_evento", "tipo_de_evento", "calles_afectadas", "croquis_del_lugar", "ubicacion/lat",
                 "responsables/0/nombre_y_apellido"):
        assert f'name="$/{name}"' in html, name
    assert "data-has-map" in html and "Feria o mercado" in html
    assert 'name="$/calles_afectadas"' not in str(forms.render(saved, saved_ui, {**sample, "corta_calles": False}))
