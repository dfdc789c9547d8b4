"""The ``x-datos`` classification of form fields: read by path, refused when misspelt at deploy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.models import Deployment, DeploymentFile
from engine.privacy.reads import classes_of
from forms import check_schema
from forms.errors import SchemaError
from forms.personal_data import classified_fields, sensitive_paths
from forms.task_options import with_task_options

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def test_classified_fields_by_dotted_path_and_a_classified_object_covers_its_inside() -> None:
    schema = {"type": "object", "properties": {
        "nombre": {"type": "string", "x-datos": "personal"},
        "salud": {"type": "object", "properties": {"diagnostico": {"type": "string", "x-datos": "sensible"},
                                                    "obra_social": {"type": "string"}}},
        "contacto": {"type": "object", "x-datos": "personal", "properties": {"telefono": {"type": "string"}}},
        "motivo": {"type": "string"}}}
    found = classified_fields(schema)
    assert found == {"nombre": "personal", "salud.diagnostico": "sensible", "contacto": "personal"}
    assert sensitive_paths(found) == ["salud.diagnostico"]


@pytest.mark.parametrize("value", ["sensitive", "privado", True, 1])
def test_a_class_other_than_personal_or_sensible_is_refused_in_spanish(value: object) -> None:
    schema = {"type": "object", "properties": {"dni": {"type": "string", "x-datos": value}}}
    with pytest.raises(SchemaError) as raised:
        check_schema(schema)
    assert "«x-datos» en «/properties/dni» debe ser «personal» o «sensible»" in raised.value.message


def test_both_classes_pass_the_schema_check() -> None:
    check_schema({"type": "object", "properties": {"a": {"type": "string", "x-datos": "personal"},
                                                   "b": {"type": "string", "x-datos": "sensible"}}})


def test_the_sample_procedures_classify_who_asks() -> None:
    def fields(path: str) -> dict[str, str]:
        return classified_fields(json.loads((PROCESSES / path).read_text(encoding="utf-8")))

    assert fields("habilitacion_comercial/solicitud.schema.json") == {
        "titular": "personal", "cuit": "personal", "email": "personal", "telefono": "personal",
        "dni_archivo": "personal"}
    assert fields("certificado_catastral/solicitud.schema.json") == {
        "nombre": "personal", "dni": "personal", "email": "personal"}
    assert fields("reclamo/reclamo.schema.json") == {"contacto": "personal"}
    every = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(PROCESSES.glob("*/*.schema.json"))]
    for schema in every:  # checked as deployment checks them: a process's options as a placeholder
        check_schema(with_task_options(schema, None))


def test_a_version_merges_its_forms_and_the_stricter_class_wins() -> None:
    def form(properties: dict[str, object]) -> bytes:
        return json.dumps({"type": "object", "properties": properties}).encode()

    version = Deployment(id="version-de-prueba", files=[
        DeploymentFile(name="a.schema.json", content=form({"dni": {"type": "string", "x-datos": "sensible"}})),
        DeploymentFile(name="b.schema.json", content=form({"dni": {"type": "string", "x-datos": "personal"},
                                                           "nombre": {"type": "string", "x-datos": "personal"}})),
        DeploymentFile(name="roto.schema.json", content=b"{no es json"),
    ])
    assert dict(classes_of(version)) == {"dni": "sensible", "nombre": "personal"}
