"""Add, remove and move rows; key/value rows; refresh after an answer; tampered actions."""

from __future__ import annotations

from typing import Any

import pytest

import forms
from tests.forms.submit import submission

SCHEMA = {
    "type": "object",
    "properties": {
        "telefonos": {"type": "array", "items": {"type": "string", "default": "381"}},
        "tupla": {"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "integer"}},
        "extra": {"type": "object", "additionalProperties": {"type": "string"},
                  "propertyNames": {"enum": ["a", "b"]}},
        "libre": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}


def _act(data: Any, action: str, prefix: str = "") -> forms.ActionResult:
    form = submission(forms.render(SCHEMA, None, data, prefix=prefix), (f"{prefix}__accion", action))
    assert forms.has_action(form, prefix)
    return forms.apply_action(SCHEMA, form, prefix=prefix)


@pytest.mark.parametrize(("data", "action", "expected"), [
    ({}, "agregar /telefonos", {"telefonos": ["381"]}),
    ({"telefonos": ["1", "2"]}, "agregar /telefonos", {"telefonos": ["1", "2", "381"]}),
    ({"telefonos": ["1", "2", "3"]}, "quitar /telefonos/1", {"telefonos": ["1", "3"]}),
    ({"telefonos": ["1", "2", "3"]}, "subir /telefonos/2", {"telefonos": ["1", "3", "2"]}),
    ({"telefonos": ["1", "2", "3"]}, "bajar /telefonos/0", {"telefonos": ["2", "1", "3"]}),
    ({"tupla": ["x", 1, 2]}, "subir /tupla/2", {"tupla": ["x", 2, 1]}),
    ({"tupla": ["x"]}, "agregar /tupla", {"tupla": ["x", None]}),
    ({"extra": {}}, "agregar /extra", {"extra": {"a": None}}),
    ({"extra": {"a": "1"}}, "agregar /extra", {"extra": {"a": "1", "b": None}}),
    ({"extra": {"a": "1", "b": "2"}}, "quitar /extra/~e0", {"extra": {"b": "2"}}),
    ({"libre": {"campo_nuevo": 1}}, "agregar /libre", {"libre": {"campo_nuevo": 1, "campo_nuevo_2": None}}),
])
def test_row_actions(data: Any, action: str, expected: Any) -> None:
    result = _act(data, action)
    assert result.data == expected
    # The new form, submitted unchanged, holds what the action left (an added row is empty).
    assert forms.parse_submission(SCHEMA, submission(result.html)) == expected


def test_fixed_positions_cannot_be_removed() -> None:
    form = submission(forms.render(SCHEMA, None, {"tupla": ["x", 1]}))
    assert "quitar /tupla/0" not in str(forms.render(SCHEMA, None, {"tupla": ["x", 1]}))
    form.add("__accion", "quitar /tupla/0")
    with pytest.raises(forms.ActionError):
        forms.apply_action(SCHEMA, form)


def test_actions_respect_the_prefix() -> None:
    assert _act({}, "agregar /telefonos", prefix="p-").data == {"telefonos": ["381"]}


@pytest.mark.parametrize("value", ["borrar /telefonos", "agregar telefonos", "agregar /nada", "quitar /telefonos/9"])
def test_tampered_actions_are_refused(value: str) -> None:
    form = submission(forms.render(SCHEMA, None, {"telefonos": ["1"]}))
    form.add("__accion", value)
    with pytest.raises(forms.ActionError) as raised:
        forms.apply_action(SCHEMA, form)
    assert raised.value.status == 400


def test_tampered_row_count_is_refused() -> None:
    with pytest.raises(forms.ActionError):
        forms.parse_submission(SCHEMA, {"!o": ["1"], "!a/telefonos": ["99999999"]})


def test_refresh_shows_the_fields_of_the_new_answer() -> None:
    schema = {"type": "object", "properties": {"tipo": {"enum": ["persona", "empresa"]}},
              "if": {"properties": {"tipo": {"const": "empresa"}}, "required": ["tipo"]},
              "then": {"properties": {"cuit": {"type": "string"}}, "required": ["cuit"]}}
    form = submission(forms.render(schema, None, {"tipo": "persona"}))
    assert "$/cuit" not in form
    form["$/tipo"] = "empresa"
    form.add("__accion", "actualizar ")
    result = forms.apply_action(schema, form)
    assert result.data == {"tipo": "empresa"} and 'name="$/cuit"' in str(result.html)


def test_changing_the_alternative_swaps_the_fields() -> None:
    schema = {"type": "object", "anyOf": [{"title": "DNI", "properties": {"dni": {"type": "string"}}},
                                          {"title": "CUIT", "properties": {"cuit": {"type": "string"}}}]}
    form = submission(forms.render(schema, None, {"dni": "30111222"}))
    form["!c"] = "1"
    form.add("__accion", "actualizar ")
    result = forms.apply_action(schema, form)
    assert result.choices == {"": 1} and result.data == {}
    assert 'name="$/cuit"' in str(result.html) and 'name="$/dni"' not in str(result.html)
