"""Options a form takes from the task's data (``options_from_task_data_var:``, as SpiffArena writes it)."""

from __future__ import annotations

from typing import Any

import forms

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["turno"],
    "properties": {
        "turno": {"type": "string", "title": "Turno", "anyOf": ["options_from_task_data_var:turnos"]},
        "nota": {"type": "string", "title": "Nota"},
    },
}
OFFERED = [{"value": "a|2026-12-09T11:00:00+00:00", "label": "miércoles 09/12/2026, 08:00 h"},
           {"value": "a|2026-12-09T11:30:00+00:00", "label": "miércoles 09/12/2026, 08:30 h"}]


def test_the_marker_becomes_one_titled_option_per_offered_item() -> None:
    lowered = forms.with_task_options(SCHEMA, {"turnos": OFFERED})
    assert lowered["properties"]["turno"]["anyOf"] == [
        {"const": OFFERED[0]["value"], "title": OFFERED[0]["label"]},
        {"const": OFFERED[1]["value"], "title": OFFERED[1]["label"]}]
    assert lowered["properties"]["nota"] == SCHEMA["properties"]["nota"]
    assert SCHEMA["properties"]["turno"]["anyOf"] == ["options_from_task_data_var:turnos"]  # not mutated


def test_an_offered_value_passes_and_one_nobody_offered_is_refused_in_spanish() -> None:
    lowered = forms.with_task_options(SCHEMA, {"turnos": OFFERED})
    forms.check_schema(lowered)
    assert forms.validate(lowered, {"turno": OFFERED[1]["value"]}) == {}
    problems = forms.validate(lowered, {"turno": "a|2026-12-09T15:00:00+00:00"})
    assert list(problems) == ["/turno"] and "opci" in problems["/turno"][0].lower()


def test_the_options_render_with_their_labels_as_radio_buttons() -> None:
    lowered = forms.with_task_options(SCHEMA, {"turnos": OFFERED})
    html = str(forms.render(lowered, {"turno": {"ui:widget": "radio"}}))
    assert html.count('type="radio"') == 2
    assert "miércoles 09/12/2026, 08:30 h" in html and OFFERED[0]["value"] in html


def test_a_missing_empty_or_malformed_variable_leaves_no_option_to_choose() -> None:
    for data in ({}, {"turnos": []}, {"turnos": "no es una lista"}, {"turnos": [{"label": "sin valor"}, 3]}):
        lowered = forms.with_task_options(SCHEMA, data)
        assert "anyOf" not in lowered["properties"]["turno"] and lowered["properties"]["turno"]["enum"] == []
        forms.check_schema(lowered)
        assert "/turno" in forms.validate(lowered, {"turno": "cualquiera"})


def test_without_data_a_placeholder_lets_the_schema_be_checked_at_deployment() -> None:
    lowered = forms.with_task_options(SCHEMA, None)
    forms.check_schema(lowered)
    assert [b["const"] for b in lowered["properties"]["turno"]["anyOf"]] == [""]


def test_markers_inside_arrays_and_one_of_are_found_and_other_any_of_stays() -> None:
    schema = {"type": "object", "properties": {
        "dias": {"type": "array", "items": {"type": "string", "oneOf": ["options_from_task_data_var:dias"]}},
        "modo": {"anyOf": [{"const": "a"}, {"const": "b"}]},
    }}
    lowered = forms.with_task_options(schema, {"dias": [{"value": "lun", "label": "Lunes"}]})
    assert lowered["properties"]["dias"]["items"]["oneOf"] == [{"const": "lun", "title": "Lunes"}]
    assert lowered["properties"]["modo"] == schema["properties"]["modo"]
    assert forms.task_options.marker(["options_from_task_data_var:"]) is None
    assert forms.task_options.marker(["otra cosa"]) is None
