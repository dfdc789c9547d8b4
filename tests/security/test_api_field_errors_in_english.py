"""An integration sent a wrong type, an unknown field, a date that does not parse or a value out of
bounds: the problem document's ``detail`` was Spanish, but each entry of its ``errors`` said
marshmallow's English default («Not a valid integer.», «Unknown field.», «Missing data for required
field.», «Must be one of: …»). Now every field message is Spanish, whichever schema refused it,
at the field it names (the wording itself is engine/api/v1/wording.py's, checked in
tests/engine/test_api_spanish_validation.py)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.fixtures.engine import ApiClient, make_token

TASK = "/api/v1/tasks/00000000-0000-0000-0000-000000000000"
INSTANCE = "/api/v1/instances/00000000-0000-0000-0000-000000000000"
ENGLISH = ("Not a valid", "Unknown field", "Missing data", "Must be", "Invalid", "Longer than", "Shorter than",
           "Length must", "may not be null", "cannot be formatted", "Number too large")

REFUSED: list[tuple[str, str, dict[str, Any], str]] = [
    ("get", "/api/v1/tasks?page=dos", {}, "/page"),
    ("get", "/api/v1/tasks?status=abierta", {}, "/status"),
    ("get", "/api/v1/tasks?due_before=mañana", {}, "/due_before"),
    ("get", "/api/v1/tasks?test_cases=quizas", {}, "/test_cases"),
    ("get", "/api/v1/instances?created_after=2026-12-07T10:00:00", {}, "/created_after"),
    ("post", "/api/v1/processes/cualquiera/instances", {"json": {"variables": {}}}, "/variables"),
    ("post", "/api/v1/processes/cualquiera/instances", {"json": []}, ""),
    ("post", "/api/v1/processes/cualquiera/instances", {"json": {"data": "texto"}}, "/data"),
    ("post", "/api/v1/processes/cualquiera/instances", {"json": {"business_key": "x" * 201}}, "/business_key"),
    ("post", f"{TASK}/assign", {"json": {}}, "/assignee"),
    ("post", f"{TASK}/assign", {"json": {"assignee": None}}, "/assignee"),
    ("post", f"{TASK}/assign", {"json": {"assignee": ""}}, "/assignee"),
    ("post", f"{TASK}/assign", {"json": {"assignee": 7}}, "/assignee"),
    ("post", f"{INSTANCE}:migrate", {"json": {"version": 0}}, "/version"),
]


@pytest.fixture
def api(identity_app: Flask) -> ApiClient:
    return ApiClient(identity_app, make_token(identity_app, "integracion", "admin"))


@pytest.mark.parametrize(("method", "path", "body", "pointer"), REFUSED,
                         ids=[f"{r[0]} {r[1]} {r[3]}" for r in REFUSED])
def test_every_field_error_is_spanish(api: ApiClient, method: str, path: str, body: dict[str, Any],
                                      pointer: str) -> None:
    response = getattr(api, method)(path, **body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json", response.get_data()
    errors = response.get_json()["errors"]
    assert any(e["pointer"] == pointer and e["message"] for e in errors), errors
    english = [e["message"] for e in errors if any(word in e["message"] for word in ENGLISH)]
    assert not english, english

