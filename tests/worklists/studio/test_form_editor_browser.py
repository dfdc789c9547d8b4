"""An analyst builds a form with the outline in Chromium, saves it, and the saved JSON Schema
and UI schema are forms the platform reads: a sample validates, a wrong one fails on the
right fields, and forms/ renders them. axe-core finds no violation and the CSP refuses nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import forms
from engine.db import db
from engine.studio import drafts
from engine.uow import unit_of_work
from tests.fixtures.browser import Visit
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import password_of

pytestmark = [pytest.mark.browser, SQLITE_ONLY]
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
    page.select_option("#fe-nuevo-raiz-tipo", "number")  # from the keyboard: Enter in the label adds it
    page.fill("#fe-nuevo-raiz-etiqueta", "Cantidad de asistentes")
    page.press("#fe-nuevo-raiz-etiqueta", "Enter")
    page.wait_for_selector("text=Se agregó «Cantidad de asistentes».")
    assert page.evaluate("document.activeElement.id") == "fe-nuevo-raiz-etiqueta"
    _add(page, "Fecha del evento", "date")
    _add(page, "Tipo de evento", "choice")
    options = _card(page, "Tipo de evento").locator("textarea[data-act='options']")
    options.fill("")
    options.press_sequentially("Cultural\nDeportivo\nFeria o mercado")  # key by key, Enter between them
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

    # A help text typed, then the field moved with the mouse and back.
    _card(page, "Fecha del evento").locator("input[data-act='description']").fill("El primer día, si son varios.")
    _card(page, "Fecha del evento").locator("button[data-act='down']").click()
    page.wait_for_selector("text=«Fecha del evento» quedó en el lugar 2 de 9.")
    _card(page, "Fecha del evento").locator("button[data-act='up']").click()
    page.wait_for_selector("text=«Fecha del evento» quedó en el lugar 1 de 9.")

    schema, ui = _texts(page)
    assert schema["properties"]["fecha_del_evento"]["description"] == "El primer día, si son varios."
    assert ui["ui:order"][:3] == ["fecha_del_evento", "nombre_del_organizador", "cantidad_de_asistentes"]
    assert ui["ubicacion"] == {"ui:widget": "mapa"}
    feria = {"const": "feria_o_mercado", "title": "Feria o mercado"}
    assert schema["properties"]["tipo_de_evento"]["oneOf"][2] == feria

    _add(page, "Campo de más", "number")
    assert "campo_de_mas" in _texts(page)[0]["properties"]
    _card(page, "Campo de más").locator("button[data-act='remove']").click()
    page.wait_for_selector("text=Se quitó «Campo de más».")
    assert "campo_de_mas" not in _texts(page)[0]["properties"]

    # The live preview shows the form as the citizen will see it.
    preview = page.locator("[data-role='preview']")
    preview.locator("text=Responsables").first.wait_for()
    assert preview.locator("input[type='date']").count() == 1
    assert preview.locator("input[type='file']").count() == 1
    preview.locator(".leaflet-container").wait_for()  # the map point, as the citizen's map
    visit.check()

    # The text re-reads into the outline: a title changed in the JSON shows as the label.
    edited = dict(schema, properties={**schema["properties"], "cantidad_de_asistentes": {
        **schema["properties"]["cantidad_de_asistentes"], "title": "Asistentes esperados"}})
    page.fill("#fe-texto-esquema", json.dumps(edited, ensure_ascii=False, indent=2))
    page.wait_for_selector("input[data-act='label'][value='Asistentes esperados']")

    page.click("button[data-role='save']")
    page.wait_for_selector("text=Guardado a las")
    visit.check()
    with page.context.expect_page() as opened:  # the texts as they are now, tried in the form preview
        page.click("text=Probar con datos")
    tried = opened.value
    tried.wait_for_load_state()
    assert tried.locator("#vista input[name='$/nombre_del_organizador']").count() == 1
    tried.close()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column, nothing wider than it
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
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


EVENTO = Path(__file__).resolve().parents[3] / "processes" / "evento_publico"


def test_an_existing_form_keeps_what_the_outline_does_not_edit(page: Any, served: tuple[Flask, str, int]) -> None:
    """The published «evento público» request: nested objects stay «Avanzado», the map keeps its
    address, the condition shows in the outline, and a move keeps every rule and UI option."""
    app, base, draft_id = served
    schema_text = (EVENTO / "solicitud.schema.json").read_bytes()
    ui_text = (EVENTO / "solicitud.uischema.json").read_bytes()
    with app.app_context(), unit_of_work():
        draft = drafts.get(draft_id)
        drafts.put_file(draft, "solicitud.schema.json", schema_text, "analista", NOW)
        drafts.put_file(draft, "solicitud.uischema.json", ui_text, "analista", NOW)
    visit = Visit(page, base)
    page.goto(f"{base}/ingresar?siguiente=/estudio/borradores/{draft_id}/formularios/solicitud.schema.json")
    page.fill("#campo-usuario", "analista")
    page.fill("#campo-contrasena", password_of("analista"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_selector("#form-editor[data-started='true']")
    page.locator("[data-role='preview'] input[name='$/plano']").wait_for(state="attached")
    legends = page.locator("#fe-esquema li.fe-campo > fieldset > legend").all_inner_texts()
    assert legends == ["1. Organizador (Sección)", "1. ¿Quién organiza el evento? (Opciones)",
                       "2. Nombre y apellido o razón social (Texto)", "3. CUIT o CUIL (Texto)",
                       "4. Correo electrónico (Texto)", "5. Teléfono (Texto)",
                       "2. Evento (Sección)", "1. Nombre del evento (Texto)", "2. Tipo de evento (Opciones)",
                       "3. Fecha del evento (Fecha)", "4. Hora de inicio (Avanzado)",
                       "5. Hora de finalización (Avanzado)", "6. Asistentes esperados (Número)",
                       "3. Ubicación (Punto en el mapa)", "4. Plano o croquis del lugar (Archivo adjunto)",
                       "5. Requiere corte de calles (Sí o no)", "6. Calles afectadas (Texto)"]
    streets = _card(page, "Calles afectadas")
    assert streets.locator("select[data-act='when-field'] option:checked").inner_text() == "Requiere corte de calles"
    assert streets.locator("select[data-act='when-value'] option:checked").inner_text() == "Sí"
    visit.check()

    _card(page, "Plano o croquis del lugar").locator("button[data-act='down']").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=«Plano o croquis del lugar» quedó en el lugar 5 de 6.")
    page.click("button[data-role='save']")
    page.wait_for_selector("text=Guardado a las")

    with app.app_context():
        files = drafts.files_of(drafts.get(draft_id))
    saved, saved_ui = json.loads(files["solicitud.schema.json"]), json.loads(files["solicitud.uischema.json"])
    original, original_ui = json.loads(schema_text), json.loads(ui_text)
    assert saved_ui["ui:order"] == ["organizador", "evento", "ubicacion", "requiere_corte", "plano", "calles_afectadas"]
    assert {k: v for k, v in saved_ui.items() if k != "ui:order"} == {
        k: v for k, v in original_ui.items() if k != "ui:order"}
    for name in ("organizador", "evento", "ubicacion", "plano"):
        assert saved["properties"][name] == original["properties"][name]
    assert saved["$schema"] == original["$schema"] and saved["description"] == original["description"]
    document = {"key": "k", "name": "plano.pdf", "content_type": "application/pdf", "size": 3, "sha256": "0" * 64}
    sample = {
        "organizador": {"tipo_persona": "humana", "nombre": "Ana Pérez", "cuit": "27123456789",
                        "email": "ana@example.com", "telefono": "381 4000000"},
        "evento": {"nombre": "Feria del libro", "tipo": "feria", "fecha": "2026-12-24", "hora_inicio": "10:00",
                   "hora_fin": "18:00", "asistentes": 500},
        "ubicacion": {"direccion": "Plaza Independencia", "lat": -26.83, "lon": -65.2},
        "plano": document, "requiere_corte": True, "calles_afectadas": "25 de Mayo entre Mendoza y San Juan",
    }
    without_streets = {k: v for k, v in sample.items() if k != "calles_afectadas"}
    for data in (sample, without_streets, {**without_streets, "requiere_corte": False}, {**sample, "evento": {}}):
        assert forms.validate(saved, data) == forms.validate(original, data)
    assert "/calles_afectadas" in forms.validate(saved, without_streets)


def test_the_preview_never_covers_the_json_texts(page: Any, served: tuple[Flask, str, int]) -> None:
    """At 1280 px the preview follows the outline down the page, but stops where the JSON texts
    begin: scrolled to the UI schema's text, the analyst sees and clicks that text, not the preview."""
    app, base, draft_id = served
    with app.app_context(), unit_of_work():
        draft = drafts.get(draft_id)
        for name in ("solicitud.schema.json", "solicitud.uischema.json"):
            drafts.put_file(draft, name, (EVENTO / name).read_bytes(), "analista", NOW)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/ingresar?siguiente=/estudio/borradores/{draft_id}/formularios/solicitud.schema.json")
    page.fill("#campo-usuario", "analista")
    page.fill("#campo-contrasena", password_of("analista"))
    page.click("main button:has-text('Ingresar')")
    page.wait_for_selector("#form-editor[data-started='true']")
    for text in ("#fe-texto-ui", "#fe-texto-esquema"):
        page.locator(text).scroll_into_view_if_needed()
        on_top = page.evaluate("""(selector) => {
          const box = document.querySelector(selector).getBoundingClientRect();
          const y = Math.min(box.top + 40, window.innerHeight - 10);
          return document.elementFromPoint(box.left + box.width / 2, y).closest(selector) !== null;
        }""", text)
        assert on_top, f"{text} is covered"
