"""Every rjsf playground sample renders, round-trips through a submission, and shows its errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

import forms
from forms.naming import field_id, join
from tests.forms.corpus import load, sample_names
from tests.forms.submit import element_ids, submission

SAMPLES = sample_names()
# Invalid data that a control cannot show as it is: a checkbox shows "wrong" as unchecked.
LOSSY = {"errors": {"active"}}


def _expected(sample: dict[str, Any]) -> Any:
    data = sample["formData"]
    return forms.with_defaults(sample["schema"], None) if data is None else data


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_renders_with_unique_ids(name: str) -> None:
    sample = load(name)
    html = str(forms.render(sample["schema"], sample["uiSchema"], sample["formData"]))
    ids = element_ids(html)
    assert html.startswith('<div class="formulario"')
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert "<script" not in html and " style=" not in html and not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_round_trips(name: str) -> None:
    sample = load(name)
    schema, ui = sample["schema"], sample["uiSchema"]
    data = _expected(sample)
    html = forms.render(schema, ui, sample["formData"])
    back = forms.parse_submission(schema, submission(html), None, ui)
    if forms.validate(schema, data):
        lossy = LOSSY.get(name, set())
        assert {k: v for k, v in back.items() if k not in lossy} == {k: v for k, v in data.items() if k not in lossy}
    else:
        assert back == data


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_errors_sit_on_their_fields(name: str) -> None:
    sample = load(name)
    schema, ui = sample["schema"], sample["uiSchema"]
    data = _expected(sample)
    errors = forms.validate(schema, data)
    if not errors:
        errors = _invented_errors(data)
    html = str(forms.render(schema, ui, data, errors))
    assert 'class="errores-resumen"' in html
    for pointer, messages in errors.items():
        for message in messages:
            assert message in html
        fid = field_id(pointer)
        if f'id="{fid}"' in html:
            assert f'href="#{fid}"' in html
            assert f'id="{fid}--error"' in html
            assert f'aria-describedby="{fid}--error"' in html or f"{fid}--error\"" in html


def _invented_errors(data: Any, pointer: str = "") -> dict[str, list[str]]:
    """An error on every value of a valid sample (as a later check of the engine could add)."""
    if isinstance(data, dict) and data:
        found: dict[str, list[str]] = {}
        for key, value in data.items():
            found.update(_invented_errors(value, join(pointer, key)))
        return found
    if isinstance(data, list) and data and not all(isinstance(v, str) for v in data):
        found = {}
        for i, value in enumerate(data):
            found.update(_invented_errors(value, join(pointer, i)))
        return found
    return {pointer: ["Revise este dato."]}


def test_error_schema_sample_shows_extra_errors() -> None:
    sample = load("errorSchema")
    extra = {"/firstName": sample["otherProps"]["extraErrors"]["firstName"]["__errors"]}
    html = str(forms.render(sample["schema"], sample["uiSchema"], sample["formData"], extra))
    assert 'aria-invalid="true"' in html and "some error that got added as a prop" in html


def test_required_error_of_missing_field_is_on_the_field() -> None:
    sample = load("simple")
    errors = forms.validate(sample["schema"], {})
    assert errors["/firstName"] == ["Este campo es obligatorio."]
    html = str(forms.render(sample["schema"], sample["uiSchema"], {}, errors))
    assert 'href="#campo-firstName"' in html
    assert 'id="campo-firstName" name="$/firstName" aria-describedby="campo-firstName--descripcion' in html
