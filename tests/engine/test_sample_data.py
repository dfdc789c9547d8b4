"""Sample case data made from a bundle's form schemas (what template checks and previews render with)."""

from __future__ import annotations

import json

from engine.workflow.validation.sample_data import SAMPLE_CASE_NUMBER, sample_case_data, sample_value

SCHEMA = {
    "type": "object",
    "properties": {
        "nombre": {"type": "string", "title": "Nombre del organizador"},
        "cuit": {"type": "string", "title": "CUIT", "maxLength": 8},
        "fecha": {"type": "string", "format": "date"},
        "riesgo": {"type": "string", "enum": ["bajo", "alto"]},
        "tipo": {"type": "string", "oneOf": [{"const": "humana", "title": "Persona humana"}]},
        "asistentes": {"type": "integer", "minimum": 10},
        "importe": {"type": "number"},
        "cortes": {"type": "boolean"},
        "plano": {"type": "string", "format": "documento"},
        "calles": {"type": "array", "items": {"type": "object", "properties": {"calle": {"type": "string"}}}},
        "lugar": {"type": "object", "properties": {"lat": {"type": "number", "default": -26.8}}},
    },
}


def test_one_predictable_value_per_field() -> None:
    value = sample_value(SCHEMA, "")
    assert value["nombre"] == "Ejemplo de nombre del organizador"
    assert value["cuit"] == "Ejemplo"  # «Ejemplo de CUIT» cut at maxLength
    assert value["fecha"] == "2026-03-02" and value["riesgo"] == "bajo" and value["tipo"] == "humana"
    assert value["asistentes"] == 10 and value["importe"] == 1.0 and value["cortes"] is True
    assert value["plano"]["name"] == "ejemplo.pdf"
    assert value["calles"] == [{"calle": "Ejemplo de calle"}] and value["lugar"] == {"lat": -26.8}


def test_the_bundles_forms_merge_with_the_case_number() -> None:
    files = {"a.schema.json": json.dumps(SCHEMA).encode(), "roto.schema.json": b"{no es json",
             "b.schema.json": json.dumps({"type": "object", "properties": {"nombre": {"type": "string"},
                                                                            "extra": {"type": "string"}}}).encode()}
    data = sample_case_data(files)
    assert data["nombre"] == "Ejemplo de nombre del organizador"  # the first form (by name) wins
    assert data["extra"] == "Ejemplo de extra" and data["numero_expediente"] == SAMPLE_CASE_NUMBER
