"""The GeoReport v2 endpoints: services, service definitions, requests and tokens, in JSON and XML.

Service codes are the reclamo categories; ``service_request_id`` is the case number; the
``token`` a creation answers is the case's tracking code, which ``tokens/{token}`` turns
back into the request id. Creating a request needs an ``api_key``: a platform token with the
``start`` scope. Reading is public, as the spec intends, and shows no contact data.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from engine.api.auth import CACHE_KEY
from engine.api.open311 import formats, queries
from engine.api.v1.edge import transaction
from engine.casefile import tracking
from engine.db import db
from engine.errors import DataInvalid, EngineError, Forbidden, NotFound
from engine.identity import tokens
from engine.intake import reclamos
from engine.web.request import runtime

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
log = logging.getLogger(__name__)
FMT = "<any(json, xml):fmt>"
#: The reclamo's start-form fields, as Open311 names them (problem pointers are translated back).
FIELD_NAMES = {"/categoria": "service_code", "/descripcion": "description", "/ubicacion/lat": "lat",
               "/ubicacion/lon": "long", "/direccion": "address_string", "/contacto/email": "email",
               "/contacto/telefono": "phone", "/contacto/nombre": "first_name"}

HTTP_MESSAGES = {400: "La solicitud está mal formada.", 404: "No existe el recurso.",
                 405: "Método no permitido en este recurso.", 413: "La solicitud es demasiado grande."}


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in formats.FORMATS:
        return str(fmt)
    return "xml" if request.path.endswith(".xml") else "json"


@bp.errorhandler(EngineError)
def _engine_error(error: EngineError) -> ResponseReturnValue:
    db.session.rollback()
    messages = [_described(e) for e in error.errors] or [error.message]
    return formats.errors(_fmt(), 400 if isinstance(error, DataInvalid) else error.status, messages)


def _described(problem: dict[str, Any]) -> str:
    """``"description: Debe tener al menos 10 caracteres."``: the Open311 field name, then the message."""
    pointer = str(problem.get("pointer") or "")
    name = FIELD_NAMES.get(pointer, pointer.strip("/").replace("/", "."))
    return f"{name}: {problem.get('message')}" if name else str(problem.get("message"))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    return formats.errors(_fmt(), status, [HTTP_MESSAGES.get(status, "La solicitud no se pudo atender.")])


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> ResponseReturnValue:
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return formats.errors(_fmt(), 500, ["Ocurrió un error inesperado; quedó registrado."])


@bp.get(f"/services.{FMT}")
def services(fmt: str) -> ResponseReturnValue:
    """Every category, as the spec's service list."""
    rows = [{"service_code": c.code, "service_name": c.name, "description": c.description, "metadata": False,
             "type": "realtime", "keywords": c.keywords, "group": c.area} for c in reclamos.CATEGORIES.values()]
    return formats.items(fmt, "services", "service", rows)


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str) -> ResponseReturnValue:
    """A category's extra attributes: none (every reclamo asks the same fields)."""
    if service_code not in reclamos.CATEGORIES:
        raise NotFound(f"No existe el servicio «{service_code}».")
    return formats.document(fmt, "service_definition", {"service_code": service_code, "attributes": []})


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str) -> ResponseReturnValue:
    """Reclamos filtered by id list, service code, status and dates (the last 90 days by default)."""
    instances = queries.search(request.args, _now())
    return formats.items(fmt, "service_requests", "request", queries.describe(instances, _timezone(), _now()))


@bp.get(f"/requests/<request_id>.{FMT}")
def get_request(request_id: str, fmt: str) -> ResponseReturnValue:
    instance = queries.by_number(request_id)
    if instance is None:
        raise NotFound(f"No existe el reclamo «{request_id}».")
    return formats.items(fmt, "service_requests", "request", queries.describe([instance], _timezone(), _now()))


@bp.get(f"/tokens/<token>.{FMT}")
def get_token(token: str, fmt: str) -> ResponseReturnValue:
    """The request id of a creation token (the case's tracking code)."""
    instance = tracking.case_by_tracking_code(token)
    if instance is None or instance.process_key != reclamos.PROCESS_KEY:
        raise NotFound("No existe ese token.")
    return formats.items(fmt, "service_requests", "request", [{"service_request_id": instance.number,
                                                               "token": token}])


@bp.post(f"/requests.{FMT}")
def create_request(fmt: str) -> ResponseReturnValue:
    """Create a reclamo: form-encoded as the spec says (JSON bodies are accepted too)."""
    params = request.form if request.form else (request.get_json(silent=True) or {})
    grant = _grant(str(params.get("api_key") or request.args.get("api_key") or _bearer()))
    data = queries.start_data(params)
    with transaction() as ctx:
        started = reclamos.start(ctx, data, channel="open311", received_by=f"api:{grant.name}")
        row = {"service_request_id": started.instance.number, "token": started.tracking_code,
               "service_notice": "Plazo estimado de respuesta: 5 días hábiles.", "account_id": None}
    return formats.items(fmt, "service_requests", "request", [row], status=201)


@bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_path(unknown: str) -> ResponseReturnValue:
    """Anything else under /open311/v2: the spec's 404, or 405 for a known resource and another method.

    Routing errors never reach a blueprint's handlers, so this rule catches what no other matches.
    """
    for method in ("GET", "POST"):
        try:
            endpoint, _ = current_app.url_map.bind("").match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            return formats.errors(_fmt(), 405, [HTTP_MESSAGES[405]])
    return formats.errors(_fmt(), 404, [f"No existe el recurso «{unknown}»."])


def _bearer() -> str:
    kind, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret if kind.lower() == "bearer" else ""


def _grant(secret: str) -> tokens.Grant:
    cache: tokens.TokenCache = current_app.extensions.setdefault(CACHE_KEY, tokens.TokenCache())
    grant = cache.authenticate(secret.strip()) if secret else None
    if grant is None or not ({"start", "admin"} & grant.scopes):
        raise Forbidden("Falta una api_key válida con el alcance «start».")
    return grant


def _now() -> Any:
    return runtime().clock()


def _timezone() -> str:
    return str(runtime().settings["TIMEZONE"])
