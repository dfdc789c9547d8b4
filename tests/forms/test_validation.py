"""Validation: Spanish messages at the field's pointer, the five enforced formats, files."""

from __future__ import annotations

from typing import Any

import pytest

import forms

FILE_REF = {"key": "k", "name": "a.pdf", "content_type": "application/pdf", "size": 1, "sha256": "0" * 64}


@pytest.mark.parametrize(("fmt", "good", "bad"), [
    ("email", "ana@smt.gob.ar", "ana@smt"),
    ("uri", "https://smt.gob.ar/tramites", "smt.gob.ar"),
    ("date", "2024-02-29", "2023-02-29"),
    ("date-time", "2024-02-29T10:00:00-03:00", "2024-02-29 10:00"),
    ("time", "23:59:60", "24:00"),
])
def test_formats_are_enforced(fmt: str, good: str, bad: str) -> None:
    schema = {"type": "string", "format": fmt}
    assert forms.validate(schema, good) == {}
    assert list(forms.validate(schema, bad)) == [""]


@pytest.mark.parametrize(("schema", "data", "message"), [
    ({"type": "string", "minLength": 3}, "ab", "Debe tener al menos 3 caracteres."),
    ({"type": "string", "maxLength": 1}, "ab", "Debe tener como máximo 1 carácter."),
    ({"type": "string", "pattern": "^[0-9]+$"}, "x", "No tiene el formato esperado."),
    ({"type": "number", "minimum": 1.5}, 1, "Debe ser mayor o igual a 1,5."),
    ({"type": "integer", "maximum": 9}, 10, "Debe ser menor o igual a 9."),
    ({"type": "number", "multipleOf": 0.5}, 0.7, "Debe ser múltiplo de 0,5."),
    ({"type": "integer"}, 1.5, "Debe ser un número entero."),
    ({"type": "boolean"}, "sí", "Debe ser sí o no."),
    ({"enum": ["a"]}, "b", "Elija una de las opciones permitidas."),
    ({"type": "array", "minItems": 2}, [], "Agregue al menos 2 elementos."),
    ({"type": "string", "format": "email"}, "x", "Ingrese una dirección de correo válida."),
])
def test_messages_are_in_spanish(schema: Any, data: Any, message: str) -> None:
    assert forms.validate(schema, data) == {"": [message]}


def test_nested_and_array_errors_have_their_pointers() -> None:
    schema = {"type": "object", "required": ["titular"], "properties": {
        "titular": {"type": "object", "required": ["documento"], "properties": {"documento": {"type": "string"}}},
        "items": {"type": "array", "items": {"type": "object", "required": ["n"]}},
    }}
    errors = forms.validate(schema, {"titular": {}, "items": [{"n": 1}, {}]})
    required = ["Este campo es obligatorio."]
    assert errors == {"/titular/documento": required, "/items/1/n": required}


def test_dependent_required_sits_on_the_missing_field() -> None:
    schema = {"type": "object", "dependentRequired": {"tarjeta": ["domicilio"]}}
    assert forms.validate(schema, {"tarjeta": 1}) == {"/domicilio": ["Este campo es obligatorio."]}


def test_file_fields_take_references() -> None:
    schema = {"type": "object", "properties": {"dni": {"type": "string", "format": "documento"}}}
    assert forms.validate(schema, {"dni": FILE_REF}) == {}
    assert forms.validate(schema, {"dni": {"key": "k"}}) == {"/dni": ["Adjunte un archivo válido."]}


@pytest.mark.parametrize(("schema", "message"), [
    ({"type": "string", "format": "cuit"}, "Formato desconocido «cuit»"),
    ({"$ref": "#/$defs/nada"}, "No se encuentra la referencia"),
    ({"type": "string", "pattern": "("}, "Expresión regular no válida"),
    ({"$schema": "https://example.com/otro"}, "Versión de JSON Schema desconocida"),
    ([], "debe ser un objeto JSON Schema"),
])
def test_unusable_schemas_are_explained(schema: Any, message: str) -> None:
    with pytest.raises(forms.SchemaError, match=message):
        forms.check_schema(schema)


def test_draft_07_schemas_are_accepted() -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "array",
              "items": [{"type": "string"}], "additionalItems": False}
    assert forms.validate(schema, ["a", 1]) != {}
    assert forms.validate(schema, ["a"]) == {}
