"""The form editor's pure helpers: file names from titles, the UI schema beside a schema."""

from __future__ import annotations

import json

import pytest

from worklists.studio.form_editor import file_stem, form_names, new_form, ui_name


@pytest.mark.parametrize(("title", "stem"), [
    ("Solicitud de poda", "solicitud_de_poda"),
    ("Año de habilitación (m²)", "ano_de_habilitacion_m"),
    ("  ¿Corta calles?  ", "corta_calles"),
    ("ñandú", "nandu"),
    ("€€€", "formulario"),
    ("x" * 80, "x" * 60),
])
def test_file_stem_is_snake_case_ascii(title: str, stem: str) -> None:
    assert file_stem(title) == stem


def test_ui_name_sits_beside_the_schema() -> None:
    assert ui_name("permiso/solicitud.schema.json") == "permiso/solicitud.uischema.json"


def test_form_names_are_the_schemas_only() -> None:
    files = {"a.schema.json": b"{}", "a.uischema.json": b"{}", "p.bpmn": b"", "b/c.schema.json": b"{}"}
    assert form_names(files) == ["a.schema.json", "b/c.schema.json"]


def test_a_new_form_is_an_empty_object_with_its_title() -> None:
    schema, ui = new_form("Solicitud de poda")
    assert json.loads(schema) == {"type": "object", "title": "Solicitud de poda", "properties": {}}
    assert json.loads(ui) == {}
