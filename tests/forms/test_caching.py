"""The work remembered between renders (compiled schemas, resolved subschemas, planned fields,
prepared options) never shows a stale form, and the HTML written without the generic builder
is escaped like the rest."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Any

import pytest

import forms
from forms.compiled import _compile_text, compile_schema
from forms.resolve import flatten
from tests.forms.corpus import load, sample_names
from tests.forms.submit import submission

SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Inscripción",
    "required": ["nombre"],
    "properties": {
        "nombre": {"type": "string", "title": "Nombre", "maxLength": 40},
        "rubro": {"type": "string", "title": "Rubro", "enum": ["comercio", "industria"]},
        "socio": {"type": "boolean", "title": "Socio"},
        "edad": {"$ref": "#/$defs/edad"},
    },
    "$defs": {"edad": {"type": "integer", "title": "Edad", "minimum": 0}},
}


def _fresh(schema: Any, *args: Any, **kwargs: Any) -> str:
    """What a first render ever would show: nothing remembered from before."""
    _compile_text.cache_clear()
    return str(forms.render(schema, *args, **kwargs))


def test_a_mutated_schema_dict_is_not_served_stale() -> None:
    schema = copy.deepcopy(SCHEMA)
    first = str(forms.render(schema, None, {"rubro": "comercio"}))
    assert "Nombre" in first and 'value="servicios"' not in first
    schema["properties"]["nombre"]["title"] = "Razón social"
    schema["properties"]["rubro"]["enum"].append("servicios")
    schema["$defs"]["edad"]["maximum"] = 120
    schema["properties"]["socio"]["type"] = "string"
    second = str(forms.render(schema, None, {"rubro": "servicios"}))
    assert "Razón social" in second and '<option value="servicios" selected>servicios</option>' in second
    assert 'max="120"' in second and 'type="checkbox"' not in second
    assert forms.validate(schema, {"nombre": "x", "edad": 130}) == {"/edad": ["Debe ser menor o igual a 120."]}
    assert second == _fresh(schema, None, {"rubro": "servicios"})


def test_ui_schema_changes_are_not_served_stale() -> None:
    plain = str(forms.render(SCHEMA, None, {"rubro": "industria"}))
    assert "<select" in plain
    ui = {"rubro": {"ui:widget": "radio", "ui:enumNames": ["Comercio", "Industria"]},
          "nombre": {"ui:placeholder": "Como figura en el DNI"}}
    shaped = str(forms.render(SCHEMA, ui, {"rubro": "industria"}))
    assert 'type="radio"' in shaped and ">Industria</label>" in shaped and "Como figura en el DNI" in shaped
    assert str(forms.render(SCHEMA, None, {"rubro": "industria"})) == plain


SAMPLES = [name for name in sample_names() if name != "(sin corpus)"] or ["(sin corpus)"]


@pytest.mark.parametrize("name", SAMPLES)
def test_remembered_work_gives_the_same_html_as_a_first_render(name: str) -> None:
    sample = load(name)
    schema, ui, data = sample["schema"], sample["uiSchema"], sample["formData"]
    readonly = {**(ui or {}), "ui:readonly": True}
    # Warm the caches with other data and other UI schemas first, then compare.
    forms.render(schema, readonly, data, prefix="a")
    forms.render(schema, None, None)
    warm = [str(forms.render(schema, ui, data)), str(forms.render(schema, readonly, data, prefix="a"))]
    cold = [_fresh(schema, ui, data), _fresh(schema, readonly, data, prefix="a")]
    assert warm == cold


def test_only_subschemas_of_the_compiled_schema_are_remembered() -> None:
    c = compile_schema(SCHEMA)
    calls: list[Any] = []

    def compute(schema: Any) -> int:
        calls.append(schema)
        return len(calls)

    assert c.memo("prueba", c.root, compute) == c.memo("prueba", c.root, compute) == 1
    outside = {"type": "string"}
    assert c.memo("prueba", outside, compute) == 2 and c.memo("prueba", outside, compute) == 3
    nombre = c.root["properties"]["nombre"]
    assert flatten(c, nombre) is flatten(c, nombre)
    assert flatten(c, dict(nombre)) == nombre  # a copy is worked out again, to the same result


HOSTILE = "\"'><script>alert(1)</script>&amp;"


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.values: dict[tuple[str, str], list[str]] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.values.setdefault((tag, name), []).append(value or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_texts_and_attributes_are_escaped_everywhere() -> None:
    field = {"type": "string", "title": HOSTILE, "description": HOSTILE, "enum": [HOSTILE, "otro"]}
    schema = {"type": "object", "properties": {HOSTILE: {"type": "string", "title": HOSTILE, "examples": [HOSTILE]},
                                               "opcion": field, "nota": {"type": "string", "title": "Nota"},
                                               "lista": {"type": "array", "title": HOSTILE,
                                                         "items": {"type": "string"}}}}
    ui = {HOSTILE: {"ui:placeholder": HOSTILE, "ui:help": HOSTILE, "ui:classNames": HOSTILE},
          "nota": {"ui:widget": "textarea", "ui:options": {"label": False}}, "lista": {"ui:classNames": HOSTILE}}
    data = {HOSTILE: HOSTILE, "opcion": HOSTILE, "nota": HOSTILE, "lista": [HOSTILE]}
    errors = {f"/{HOSTILE}": [HOSTILE], "/opcion": [HOSTILE]}
    html = str(forms.render(schema, ui, data, errors))
    assert "<script" not in html
    parsed = _Collect()
    parsed.feed(html)
    assert "script" not in parsed.tags
    for place in [("input", "value"), ("input", "placeholder"), ("option", "value")]:
        assert HOSTILE in parsed.values[place], place
    assert "$/" + HOSTILE.replace("/", "~1") in parsed.values[("input", "name")]
    assert any(v.endswith(HOSTILE) for v in parsed.values[("div", "class")])
    assert any(v.endswith(HOSTILE) for v in parsed.values[("fieldset", "class")])
    assert any(HOSTILE in v for v in parsed.values[("button", "aria-label")])
    text = "".join(parsed.text)
    assert text.count(HOSTILE) >= 8  # titles, description, help, errors, summary, options, textarea
    assert f'<option value="{HOSTILE}"' not in html
    assert forms.parse_submission(schema, submission(html), None, ui) == data
