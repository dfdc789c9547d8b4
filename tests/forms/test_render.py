"""What the HTML says: labels, required in text, descriptions, errors, widgets, options."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

import forms

SCHEMA = {
    "title": "Habilitación comercial",
    "type": "object",
    "required": ["razon", "rubro"],
    "properties": {
        "razon": {"type": "string", "title": "Razón social", "description": "Como figura en AFIP", "maxLength": 80,
                  "examples": ["Almacén Don José"]},
        "rubro": {"type": "string", "title": "Rubro", "oneOf": [{"const": "com", "title": "Comercio"},
                                                                 {"const": "ind", "title": "Industria"}]},
        "superficie": {"type": "number", "minimum": 1, "multipleOf": 0.5, "readOnly": True},
        "titular": {"type": "object", "title": "Titular", "required": ["documento"],
                    "properties": {"documento": {"type": "string", "title": "DNI", "pattern": "^[0-9]{7,8}$"}}},
        "horarios": {"type": "array", "title": "Horarios", "maxItems": 2, "items": {"type": "string"}},
        "aviso": {"type": "null", "title": "Aviso", "description": "Lea con atención."},
    },
}


def _html(data: Any = None, errors: Any = None, ui: Any = None) -> str:
    return str(forms.render(SCHEMA, ui, data, errors))


def test_every_control_has_a_label() -> None:
    html = _html({"horarios": ["9 a 13"]})
    for control_id in re.findall(r'<(?:input|select|textarea) [^>]*?id="([^"]+)"', html):
        assert f'for="{control_id}"' in html, control_id


def test_required_is_written_in_text_and_groups_have_legends() -> None:
    html = _html()
    assert '<label for="campo-razon">Razón social <span class="obligatorio">(obligatorio)</span></label>' in html
    assert "<legend>Titular</legend>" in html and "<legend>Habilitación comercial</legend>" in html
    assert 'aria-required="true"' in html


def test_description_examples_and_limits() -> None:
    html = _html()
    assert 'aria-describedby="campo-razon--descripcion"' in html and 'maxlength="80"' in html
    assert '<datalist id="campo-razon--ejemplos"><option value="Almacén Don José">' in html
    assert 'type="number"' in html and 'step="0.5"' in html and "readonly" in html


def test_one_of_consts_is_a_select_with_titles() -> None:
    html = _html({"rubro": "ind"})
    assert '<option value="ind" selected>Industria</option>' in html
    radio = _html({"rubro": "ind"}, ui={"rubro": {"ui:widget": "radio", "ui:options": {"inline": True}}})
    assert 'type="radio"' in radio and 'class="opciones en-linea"' in radio


def test_errors_are_linked_from_the_summary_and_described() -> None:
    errors = forms.validate(SCHEMA, {"razon": "", "titular": {}, "horarios": ["a", "b", "c"]})
    html = _html({"razon": "", "titular": {}, "horarios": ["a", "b", "c"]}, errors)
    assert errors["/titular/documento"] == ["Este campo es obligatorio."]
    assert '<a href="#campo-titular-documento">DNI: Este campo es obligatorio.</a>' in html
    assert 'aria-invalid="true"' in html and 'id="campo-titular-documento--error"' in html
    assert "Puede tener como máximo 2 elementos." in html
    assert html.index("errores-resumen") < html.index("<fieldset")
    assert "campo-horarios--agregar" not in html  # maxItems reached: no room for another row


def test_error_on_a_field_not_shown_links_to_its_group() -> None:
    html = _html({}, {"/titular/otro": ["Revise este dato."]})
    assert '<a href="#campo-titular">otro: Revise este dato.</a>' in html


def test_null_field_is_text_to_read() -> None:
    html = _html()
    assert '<p class="titulo" id="campo-aviso">Aviso</p>' in html and "Lea con atención." in html


def test_ui_options() -> None:
    ui = {
        "ui:order": ["rubro", "*", "razon"],
        "razon": {"ui:title": "Nombre", "ui:help": "Sin abreviaturas", "ui:placeholder": "Ej.: Kiosco",
                  "ui:autofocus": True, "ui:classNames": "ancho"},
        "horarios": {"ui:options": {"addable": False, "orderable": False, "removable": False}},
    }
    html = _html({"horarios": ["a", "b"]}, ui=ui)
    assert html.index('id="campo-rubro"') < html.index('id="campo-superficie"') < html.index('id="campo-razon"')
    assert "Nombre <span" in html and "Sin abreviaturas" in html and 'placeholder="Ej.: Kiosco"' in html
    assert "autofocus" in html and "campo campo-input ancho" in html
    assert 'class="accion"' not in html


def test_unknown_ui_field_and_widget_fall_back_with_a_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="forms"):
        html = _html(ui={"ui:field": "geo", "razon": {"ui:widget": "estrellas"}})
    assert 'name="$/razon"' in html
    assert "ui:field 'geo'" in caplog.text and "ui:widget 'estrellas'" in caplog.text


def test_alternatives_get_a_selector_and_keep_the_choice() -> None:
    schema = {"type": "object", "oneOf": [
        {"title": "Persona humana", "properties": {"dni": {"type": "string"}}, "required": ["dni"]},
        {"title": "Persona jurídica", "properties": {"cuit": {"type": "string"}}, "required": ["cuit"]},
    ]}
    html = str(forms.render(schema, None, {}, choices={"": 1}))
    assert '<option value="1" selected>Persona jurídica</option>' in html and 'name="$/cuit"' in html
    assert 'name="$/dni"' not in html and 'hx-trigger="change"' in html
    errors = forms.validate(schema, {}, {"": 1})
    assert errors == {"/cuit": ["Este campo es obligatorio."]}


def test_dependent_fields_follow_the_answer() -> None:
    schema = {"type": "object", "properties": {"tiene": {"type": "boolean", "title": "¿Tiene local?"}},
              "dependencies": {"tiene": {"properties": {"direccion": {"type": "string"}}}}}
    assert 'name="$/direccion"' not in str(forms.render(schema, None, {}))
    html = str(forms.render(schema, None, {"tiene": True}))
    assert 'name="$/direccion"' in html and "<noscript>" in html and "actualizar " in html


def test_markup_is_escaped() -> None:
    schema = {"type": "object", "title": "<b>x</b>", "properties": {"a": {"type": "string", "title": '"><script>'}}}
    html = str(forms.render(schema, None, {"a": "</textarea><script>alert(1)</script>"}))
    assert "<script>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_schema_error_for_the_analyst() -> None:
    with pytest.raises(forms.SchemaError, match="Formato desconocido «cuit»"):
        forms.render({"type": "string", "format": "cuit"})
    with pytest.raises(forms.SchemaError, match="no es válido"):
        forms.check_schema({"type": "texto"})
