"""The REST API for integrations, versioned under ``/api/v1`` and described by OpenAPI 3."""

from __future__ import annotations

import http

import marshmallow as ma
from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from engine.api import problems
from engine.api.v1 import deployments, documents, files, incidents, instances, messages, tasks, test_cases, wording


class ProblemSchema(wording.Schema):
    """An RFC 9457 problem document, as :func:`engine.api.problems.problem` writes it."""

    type = ma.fields.String(metadata={"example": "about:blank"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.List(ma.fields.Dict(), metadata={"description": "One entry per field: pointer, message."})


class _Api(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Errors are answered by :mod:`engine.api.problems`, scoped to API paths."""

    def _register_responses(self) -> None:
        """Every error response is documented as what it is: ``application/problem+json``."""
        for status in http.HTTPStatus:
            response: dict[str, object] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        default: dict[str, object] = {"description": "Un problema (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, problems.PROBLEM)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def init_api(app: Flask) -> None:
    """Mount the API blueprints and serve ``/api/v1/openapi.json``."""
    app.config.update(
        API_TITLE="Trámites SMT",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
            "info": {"description": "API de integración: despliegues, instancias, tareas, mensajes e incidentes."},
        },
    )
    api = _Api(app)
    for module in (deployments, files, instances, documents, tasks, messages, incidents, test_cases):
        api.register_blueprint(module.bp)
    problems.register(app)
