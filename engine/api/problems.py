"""RFC 9457 problem documents for every error the REST API returns."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, HTTPException, InternalServerError

from engine.db import db
from engine.errors import EngineError
from engine.web.pages import error_page

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
DATABASE_DOWN = "La base de datos no responde. Intente de nuevo en unos minutos."
#: What a person sees while the database is down: no layout, which would read the database again.
DATABASE_DOWN_PAGE = ('<!doctype html><html lang="es-AR"><meta charset="utf-8"><title>Servicio no disponible</title>'
                      '<h1>Servicio no disponible</h1><p>' + DATABASE_DOWN + '</p></html>')
API_PREFIXES = ("/api/", "/hooks/")
#: SQLSTATE class «transaction rollback»: deadlock_detected, serialization_failure and kin.
TRANSACTION_ROLLBACK = "40"
#: Spanish titles (and default details) of the HTTP errors raised without a message of ours (an
#: unknown address, a method a resource does not take): Werkzeug's own are English.
HTTP_TITLES = {400: "Solicitud inválida", 401: "Falta autenticación", 403: "Prohibido", 404: "No encontrado",
               405: "Método no permitido", 406: "Formato no disponible", 409: "Conflicto",
               413: "Contenido demasiado grande", 415: "Tipo de contenido no admitido", 422: "Datos inválidos",
               429: "Demasiadas solicitudes", 500: "Error interno", 501: "No implementado",
               503: "Servicio no disponible"}
HTTP_DETAILS = {404: "No existe el recurso pedido; la especificación está en /api/v1/openapi.json.",
                405: "El recurso no admite ese método (la cabecera Allow dice cuáles admite)."}


def problem(status: int, title: str, detail: str = "", errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None, warnings: list[dict[str, Any]] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    if warnings:
        body["warnings"] = warnings
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _webargs_errors(messages: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten marshmallow's nested messages into ``{pointer, message}`` entries.

    A schema-level error (``_schema``: a body that is not an object, a rule across fields) points
    at what holds it, the whole body being ``""`` (RFC 6901).
    """
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            if key in ("json", "form", "files", "query", "headers") and not prefix or key == "_schema":
                found += _webargs_errors(value, prefix)
            else:
                found += _webargs_errors(value, f"{prefix}/{key}")
        return found
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"pointer": prefix, "message": m} for m in messages]
    return [{"pointer": prefix, "message": str(messages)}]


def _is_api() -> bool:
    return request.path.startswith(API_PREFIXES)


def register(app: Flask) -> None:
    """Answer problem documents on API paths; leave the web fronts' error pages alone."""
    app.register_error_handler(EngineError, _engine_error)
    app.register_error_handler(StaleDataError, _stale)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _engine_error(error: EngineError) -> Any:
    db.session.rollback()
    if not _is_api():
        return error  # the fronts register their own handler for EngineError
    return problem(error.status, error.title, error.message, error.errors, warnings=getattr(error, "warnings", None))


def _stale(_error: Exception) -> Any:
    db.session.rollback()
    detail = "Otra operación cambió el expediente al mismo tiempo; vuelva a cargarlo e intente de nuevo."
    if not _is_api():
        return error_page(Conflict()) or (detail, 409)
    return problem(409, "Conflicto", detail)


def _database_down(error: OperationalError) -> Any:
    """The database refused the connection or dropped it: a 503 to retry, never a 500.

    PostgreSQL's class 40 (a deadlock, a serialization failure) comes the same way, but there the
    database answered: it gave up this transaction for another one's sake, so it is the 409 of
    two changes of a case at once, to be tried again now rather than in minutes.
    """
    if str(getattr(error.orig, "sqlstate", None) or "").startswith(TRANSACTION_ROLLBACK):
        log.warning("PostgreSQL rolled back %s %s for a concurrent one: %s", request.method, request.path,
                    error.orig)
        return _stale(error)
    try:
        db.session.rollback()
    except OperationalError:
        pass  # the connection is gone already; the pool replaces it
    log.error("the database does not answer on %s %s: %s", request.method, request.path, error.orig)
    headers = {"Retry-After": "30"}
    if _is_api():
        return problem(503, "Servicio no disponible", DATABASE_DOWN, headers=headers)
    return Response(DATABASE_DOWN_PAGE, status=503, mimetype="text/html", headers=headers)


def _http_error(error: HTTPException) -> Any:
    if not _is_api():
        return error_page(error) or error
    data = getattr(error, "data", None) or {}
    errors = _webargs_errors(data.get("messages")) if "messages" in data else None
    status = error.code or 500
    headers = dict(data.get("headers") or {})
    allowed = getattr(error, "valid_methods", None)
    if allowed:  # a 405 names what the resource does allow (RFC 9110)
        headers["Allow"] = ", ".join(allowed)
    return problem(status, HTTP_TITLES.get(status, "Error"), _detail(error, data), errors, headers=headers)


def _detail(error: HTTPException, data: dict[str, Any]) -> str:
    """Our own message, or a Spanish sentence in place of Werkzeug's English default."""
    if data.get("message"):
        return str(data["message"])
    if error.description and error.description != type(error).description:
        return error.description
    return HTTP_DETAILS.get(error.code or 500, "La solicitud no se pudo atender.")


def _unexpected(_error: Exception) -> Any:
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    if _is_api():
        return problem(500, "Error interno", "Ocurrió un error inesperado; quedó registrado.")
    try:
        shown = error_page(InternalServerError())
    except Exception:  # the layout itself failed: the plain sentence still answers
        log.exception("the error page failed on %s %s", request.method, request.path)
        shown = None
    return shown or ("Ocurrió un error inesperado; quedó registrado.", 500)
