"""render -> submit unchanged -> parse gives back the data, widget by widget."""

from __future__ import annotations

from typing import Any

import pytest

import forms
from tests.forms.submit import submission

FILE_REF = {"key": "exp/1/dni.pdf", "name": "dni.pdf", "content_type": "application/pdf", "size": 2048,
            "sha256": "a" * 64}
PERSON = {
    "type": "object",
    "properties": {
        "nombre": {"type": "string"},
        "edad": {"type": "integer"},
        "altura": {"type": "number"},
        "socio": {"type": "boolean"},
        "nota": {"type": ["string", "null"]},
        "nacimiento": {"type": "string", "format": "date"},
        "turno": {"type": "string", "format": "date-time"},
        "hora": {"type": "string", "format": "time"},
        "correo": {"type": "string", "format": "email"},
        "web": {"type": "string", "format": "uri"},
        "rubro": {"enum": ["Comercio", 2, None, {"a": 1}]},
        "dni": {"type": "string", "format": "documento"},
        "etiquetas": {"type": "array", "uniqueItems": True, "items": {"enum": ["a", "b", "c"]}},
        "domicilio": {"type": "object", "properties": {"calle": {"type": "string"}, "numero": {"type": "integer"}}},
        "hijos": {"type": "array", "items": {"type": "object", "properties": {"nombre": {"type": "string"}}}},
        "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
        "libre": {},
    },
}


def _round(schema: Any, data: Any, ui: Any = None, prefix: str = "") -> Any:
    html = forms.render(schema, ui, data, prefix=prefix)
    return forms.parse_submission(schema, submission(html), None, ui, prefix=prefix)


@pytest.mark.parametrize("data", [
    {},
    {"nombre": "Ana", "edad": 41, "altura": 1.62, "socio": False, "nota": None},
    {"socio": True, "nacimiento": "1983-05-02", "turno": "2025-03-01T09:30:00-03:00", "hora": "09:30"},
    {"turno": "2025-03-01T12:00:00.250Z", "correo": "ana@smt.gob.ar", "web": "https://smt.gob.ar/x?y=1"},
    {"rubro": "Comercio"}, {"rubro": 2}, {"rubro": None}, {"rubro": {"a": 1}},
    {"dni": FILE_REF}, {"etiquetas": []}, {"etiquetas": ["a", "c"]},
    {"domicilio": {}}, {"domicilio": {"calle": "24 de Septiembre", "numero": 960}},
    {"hijos": []}, {"hijos": [{}, {"nombre": "Leo"}]},
    {"extra": {}}, {"extra": {"pisos": 2, "a/b~c": 3}},
    {"libre": 12}, {"libre": [1, "x"]}, {"libre": "texto"}, {"libre": {"k": None}},
    {"nombre": "  espacios  ", "altura": 0, "edad": -3},
])
def test_round_trip(data: Any) -> None:
    assert _round(PERSON, data) == data


@pytest.mark.parametrize("ui", [
    {"socio": {"ui:widget": "radio"}}, {"socio": {"ui:widget": "select"}},
    {"etiquetas": {"ui:widget": "select"}}, {"rubro": {"ui:widget": "radio"}},
    {"nombre": {"ui:widget": "textarea"}}, {"nombre": {"ui:widget": "hidden"}}, {"edad": {"ui:widget": "range"}},
    {"nombre": {"ui:disabled": True}, "socio": {"ui:readonly": True}, "rubro": {"ui:disabled": True}},
    {"ui:disabled": True}, {"ui:readonly": True},
])
def test_round_trip_with_widgets(ui: Any) -> None:
    data = {"nombre": "Ana", "socio": True, "edad": 3, "etiquetas": ["b"], "rubro": 2, "hijos": [{"nombre": "x"}]}
    assert _round(PERSON, data, ui) == data


def test_prefix_lets_two_forms_share_a_page() -> None:
    a = forms.render(PERSON, None, {"nombre": "Ana"}, prefix="a-")
    b = forms.render(PERSON, None, {"nombre": "Beto"}, prefix="b-")
    both = submission(str(a) + str(b))
    assert forms.parse_submission(PERSON, both, prefix="a-") == {"nombre": "Ana"}
    assert forms.parse_submission(PERSON, both, prefix="b-") == {"nombre": "Beto"}
    assert 'id="campo_pa_2d_-nombre"' in str(a)


def test_mapping_of_lists_is_accepted() -> None:
    form = {"!o": ["1"], "$/nombre": ["Ana"], "$/edad": ["7"], "!b/socio": ["1"]}
    assert forms.parse_submission(PERSON, form) == {"nombre": "Ana", "edad": 7, "socio": False}


@pytest.mark.parametrize(("typed", "expected"), [("3,5", 3.5), ("3.5", 3.5), ("12", 12), ("1e3", 1000.0),
                                                 ("doce", "doce"), ("inf", "inf")])
def test_numbers_as_people_type_them(typed: str, expected: Any) -> None:
    assert forms.parse_submission(PERSON, {"!o": ["1"], "$/altura": [typed]}) == {"altura": expected}


def test_empty_inputs_are_absent_not_empty_strings() -> None:
    form = {"!o": ["1"], "$/nombre": [""], "$/edad": [""], "$/rubro": [""], "$/nacimiento": [""]}
    assert forms.parse_submission(PERSON, form) == {}


def test_ui_empty_value_applies_once_the_field_had_a_value() -> None:
    ui = {"nombre": {"ui:emptyValue": ""}}
    html = forms.render(PERSON, ui, {"nombre": "Ana"})
    form = submission(html)
    form["$/nombre"] = ""
    assert forms.parse_submission(PERSON, form, None, ui) == {"nombre": ""}
    assert _round(PERSON, {}, ui) == {}


def test_uploaded_file_reference_replaces_the_kept_one() -> None:
    html = forms.render(PERSON, None, {"dni": FILE_REF})
    assert "Archivo actual: " in str(html) and "dni.pdf (2 KB)" in str(html)
    new = {**FILE_REF, "key": "exp/1/dni-2.pdf"}
    assert forms.parse_submission(PERSON, submission(html), {"$/dni": new}) == {"dni": new}
    removed = submission(html)
    removed.add("!x/dni", "1")
    assert forms.parse_submission(PERSON, removed) == {}


def test_date_time_typed_without_seconds_gets_them_and_the_offset() -> None:
    form = {"!o": ["1"], "$/turno": ["2025-03-01T09:30"]}
    assert forms.parse_submission(PERSON, form) == {"turno": "2025-03-01T09:30:00-03:00"}


def test_new_form_shows_defaults_and_data_is_shown_as_given() -> None:
    schema = {"type": "object", "properties": {"pais": {"type": "string", "default": "Argentina"}}}
    assert 'value="Argentina"' in str(forms.render(schema))
    assert 'value="Argentina"' not in str(forms.render(schema, None, {}))
    assert forms.with_defaults(schema, {}) == {"pais": "Argentina"}


def test_data_no_field_shows_is_kept() -> None:
    assert _round(PERSON, {"nombre": "Ana", "interno": {"id": 7}}) == {"nombre": "Ana", "interno": {"id": 7}}
