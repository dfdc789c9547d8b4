"""``GET /metrics``: Prometheus's text format, for the monitoring's addresses or its token only.

The figures name procedures, groups and backlogs: not for the public. A caller is served when
its address is one of ``TRAMITES_METRICS_ADDRESSES`` (default: this machine only) or when it
sends ``Authorization: Bearer`` with ``TRAMITES_METRICS_TOKEN``. The address is the
connection's, or the client a proxy of ``TRAMITES_TRUSTED_PROXIES`` names (never an
``X-Forwarded-For`` from anyone else). Everyone else gets a problem document: 401 when a token
would let them in, 403 otherwise.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from engine.api.metrics.gauges import StateCollector, known_procedures
from engine.api.problems import problem
from engine.db import db
from engine.observability import metrics
from engine.web.client import Network, client_address
from engine.web.request import runtime

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape() -> Response:
    """Every series of the platform: this machine's counters and the database's state."""
    rt = runtime()
    refusal = _refusal(rt.settings)
    if refusal is not None:
        return refusal
    metrics.ensure_series(_procedures(), rt.operations())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics.process_collector())
    registry.register(StateCollector(rt.clock, rt.tools.checks, rt.tools.check_targets))
    return Response(generate_latest(registry), mimetype=None, content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def _procedures() -> list[str]:
    """The deployed procedures, or none while the database is down (``tramites_dependency_up`` says so)."""
    try:
        return known_procedures()
    except SQLAlchemyError:
        return []
    finally:
        db.session.rollback()  # a scrape only reads


def _refusal(settings: Mapping[str, Any]) -> Response | None:
    token = settings.get("METRICS_TOKEN") or ""
    kind, _, sent = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() == "bearer" and sent.strip():
        if token and hmac.compare_digest(sent.strip().encode(), token.encode()):
            return None
        return _unauthorized("El token no es el de las métricas (TRAMITES_METRICS_TOKEN).")
    address = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                             settings.get("TRUSTED_PROXIES") or ())
    if _within(address, settings.get("METRICS_ADDRESSES") or ()):
        return None
    if token:
        return _unauthorized("Las métricas piden el token de monitoreo: Authorization: Bearer ….")
    return problem(403, "Prohibido", "Las métricas se sirven solo a las direcciones del monitoreo "
                                     "(TRAMITES_METRICS_ADDRESSES).")


def _unauthorized(detail: str) -> Response:
    return problem(401, "Falta autenticación", detail, headers={"WWW-Authenticate": 'Bearer realm="metricas"'})


def _within(address: str | None, networks: Sequence[Network]) -> bool:
    try:
        found: IPv4Address | IPv6Address = ip_address(address or "")
    except ValueError:
        return False
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        found = found.ipv4_mapped  # ::ffff:127.0.0.1 is the loopback too
    return any(found in network for network in networks)
