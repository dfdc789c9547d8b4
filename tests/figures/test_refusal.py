"""The manifest's ``rechazo``: what a procedure calls refused, checked when it is deployed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from engine.workflow.validation.outcome import FIELD, Refusal, problems, refusal_of
from tests.fixtures.engine import ApiClient, make_token

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "tests" / "data" / "records" / "constancia_simple"
REFUSING = sorted(p for p in (ROOT / "processes").glob("*/manifest.yaml")
                  if FIELD in yaml.safe_load(p.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("rechazo", "fields"), [
    ("rechazar", ["rechazo"]),
    ({"campo": "decision"}, ["rechazo.valores"]),
    ({"valores": ["rechazar"]}, ["rechazo.campo"]),
    ({"campo": "una decisión", "valores": ["rechazar"]}, ["rechazo.campo"]),
    ({"campo": "decision", "valores": []}, ["rechazo.valores"]),
    ({"campo": "decision", "valores": [True]}, ["rechazo.valores"]),
    ({"campo": "decision", "valores": ["rechazar"], "otro": 1}, ["rechazo"]),
])
def test_problems_name_the_field(rechazo: Any, fields: list[str]) -> None:
    assert [where for where, _message in problems({"rechazo": rechazo})] == fields
    assert refusal_of({"rechazo": rechazo}) is None


def test_a_finished_case_is_refused_when_its_field_holds_one_of_the_values() -> None:
    rule = refusal_of({"rechazo": {"campo": "decision", "valores": ["rechazar", 0]}})
    assert rule == Refusal("decision", frozenset({"rechazar", 0}))
    assert rule.refuses({"decision": "rechazar"}) and rule.refuses({"decision": 0})
    assert not rule.refuses({"decision": "aprobar"}) and not rule.refuses({}) and not rule.refuses(None)
    assert not rule.refuses({"decision": False})  # False == 0 in Python, but it is not the value declared
    assert refusal_of({"key": "k"}) is None and problems({"key": "k"}) == []


@pytest.mark.parametrize("manifest", REFUSING, ids=lambda p: p.parent.name)
def test_each_sample_refusal_names_a_field_and_value_a_form_of_the_procedure_asks(manifest: Path) -> None:
    rule = refusal_of(yaml.safe_load(manifest.read_text(encoding="utf-8")))
    assert rule is not None
    enums = [json.loads(s.read_text(encoding="utf-8")).get("properties", {}).get(rule.field, {}).get("enum", [])
             for s in manifest.parent.glob("*.schema.json")]
    assert any(rule.values <= set(values) for values in enums if values), manifest.parent.name


def test_a_broken_rechazo_is_refused_at_deployment(app: Flask, tmp_path: Path) -> None:
    bundle = tmp_path / "constancia_simple"
    shutil.copytree(BUNDLE, bundle)
    with (bundle / "manifest.yaml").open("a", encoding="utf-8") as manifest:
        manifest.write("rechazo:\n  campo: decision\n  valores: []\n")
    api = ApiClient(app, make_token(app, "analista", "admin"))
    answer = api.deploy(bundle)
    assert answer.status_code == 422, answer.get_json()
    assert "rechazo.valores" in json.dumps(answer.get_json(), ensure_ascii=False)
    with (bundle / "manifest.yaml").open("w", encoding="utf-8") as manifest:
        manifest.write((BUNDLE / "manifest.yaml").read_text(encoding="utf-8")
                       + "rechazo:\n  campo: decision\n  valores: [rechazar]\n")
    assert api.deploy(bundle).status_code == 201
