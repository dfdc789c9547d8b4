"""The REST API under schemathesis: every operation of the OpenAPI document, with valid and invalid
requests generated from it (bounded examples, a fixed seed), answered by a token of each scope: no
server error, and every answer within the document (status, content type, body, headers)."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures.engine import BUNDLES, ApiClient, make_token

SCOPES = ("read", "start", "tasks", "messages", "deploy", "admin")
MAX_EXAMPLES = 25  # per operation and mode (valid and invalid data), each sent with six tokens
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def scope_tokens(app: Flask) -> dict[str, str]:
    return {scope: make_token(app, f"schemathesis-{scope}", scope) for scope in SCOPES}


def test_every_operation_answers_within_its_contract_for_every_scope(app: Flask,
                                                                      scope_tokens: dict[str, str]) -> None:
    admin = ApiClient(app, make_token(app, "semilla", "admin"))
    assert admin.deploy(BUNDLES / "simple").status_code in (200, 201)  # something real to find
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    for found, mode in itertools.product(schema.get_all_operations(), GenerationMode):
        operation = found.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def answers_within_contract(case: Case) -> None:
            for token in scope_tokens.values():
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            answers_within_contract()
        except Exception as e:  # noqa: BLE001 - every operation's failure is collected, then reported
            failures[f"{operation.label} ({mode.value})"] = str(e)[:1500]
    assert failures == {}


def test_a_method_the_resource_does_not_have_is_a_405_naming_the_allowed_ones(app: Flask) -> None:
    api = ApiClient(app, make_token(app, "lector", "read"))
    response = api._call("delete", "/api/v1/processes")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}
