"""The REST API for integrations, versioned under ``/api/v1`` and described by OpenAPI 3."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from engine.api import problems
from engine.api.v1 import deployments, documents, incidents, instances, messages, tasks


class _Api(Api):
    def _register_error_handlers(self) -> None:
        """Errors are answered by :mod:`engine.api.problems`, scoped to API paths."""


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
    for module in (deployments, instances, documents, tasks, messages, incidents):
        api.register_blueprint(module.bp)
    problems.register(app)
