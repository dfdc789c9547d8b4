"""Saved values read back: titles and groups from the schema, the three ways of labelling options,
es-AR money, dates, numbers and booleans, and the enums that have no labels at all."""

from __future__ import annotations

from typing import Any

import pytest

import forms
from forms.catalogue import catalogue, unlabelled_enums
from forms.display import money, value_text

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "organizador": {"type": "object", "title": "Organizador",
                        "properties": {"nombre": {"type": "string", "title": "Nombre"},
                                       "tipo": {"type": "string", "title": "Tipo de persona",
                                                "oneOf": [{"const": "humana", "title": "Persona humana"},
                                                          {"const": "juridica", "title": "Persona jurídica"}]}}},
        "dictamen": {"type": "string", "title": "Dictamen", "enum": ["aprobar", "rechazar"],
                     "enumNames": ["Aprobar", "Rechazar"]},
        "riesgo": {"type": "string", "title": "Riesgo", "enum": ["bajo", "alto"]},
        "canal": {"type": "string", "title": "Canal", "enum": ["web", "qr"]},
        "importe": {"type": "number", "title": "Importe", "format": "moneda"},
        "fecha": {"type": "string", "title": "Fecha", "format": "date"},
        "corte": {"type": "boolean", "title": "Corta calles"},
    },
    "if": {"properties": {"corte": {"const": True}}},
    "then": {"properties": {"calles": {"type": "string", "title": "Calles afectadas"}}},
}
UI = {"riesgo": {"ui:enumNames": ["Bajo", "Alto"]}}


def test_titles_groups_and_conditional_fields_are_catalogued() -> None:
    found = catalogue(SCHEMA, UI)
    assert found["organizador.nombre"].title == "Nombre" and found["organizador.nombre"].group == "Organizador"
    assert found["calles"].title == "Calles afectadas"  # only a condition shows it: the data may hold it
    assert list(found)[:3] == ["organizador", "organizador.nombre", "organizador.tipo"]


@pytest.mark.parametrize(("path", "value", "label"), [
    ("organizador.tipo", "juridica", "Persona jurídica"),  # oneOf + const + title
    ("dictamen", "aprobar", "Aprobar"),  # enumNames in the schema
    ("riesgo", "alto", "Alto"),  # ui:enumNames in the UI schema
    ("canal", "qr", "qr"),  # no label anywhere: the value as it is
])
def test_each_way_of_labelling_options_is_honoured(path: str, value: str, label: str) -> None:
    assert value_text(value, catalogue(SCHEMA, UI)[path]) == label


def test_only_the_enum_without_labels_is_reported() -> None:
    assert unlabelled_enums(SCHEMA, UI) == ["canal"]
    assert unlabelled_enums(SCHEMA, None) == ["riesgo", "canal"]


@pytest.mark.parametrize(("path", "value", "text"), [
    ("importe", 120000, "$ 120.000,00"),
    ("importe", "25000.5", "$ 25.000,50"),
    ("fecha", "2026-12-21", "21/12/2026"),
    ("corte", True, "Sí"),
    ("corte", False, "No"),
])
def test_values_are_written_es_ar(path: str, value: Any, text: str) -> None:
    assert value_text(value, catalogue(SCHEMA, UI)[path]) == text


def test_data_no_form_describes_follows_its_name() -> None:
    assert value_text("120000.00", name="boleta.importe") == "$ 120.000,00"
    field = catalogue({"properties": {"monto_total": {"type": "string", "title": "Monto"}}})["monto_total"]
    assert value_text("1500.00", field, "monto_total") == "$ 1.500,00"  # a field with no format: by its name
    assert value_text(1500) == "1.500" and value_text(2.5) == "2,5"
    assert value_text({"name": "plano.pdf", "sha256": "0" * 64, "key": "k"}) == "plano.pdf"
    assert money("no es un número") == "no es un número"
    assert value_text("2026-12-21T13:30:00+00:00", zone="America/Argentina/Tucuman") == "21/12/2026 10:30"


def test_enum_names_label_the_widget_too() -> None:
    html = str(forms.render(SCHEMA, None, {"dictamen": "aprobar"}))
    assert ">Aprobar</option>" in html and ">Rechazar</option>" in html


def test_money_format_is_checked() -> None:
    assert forms.validate(SCHEMA, {"importe": 10.5}) == {}
    assert "/importe" in forms.validate(SCHEMA, {"importe": 10.555})
