"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from engine.health import run_checks
from engine.web.request import runtime

bp = Blueprint("health", __name__)

READINESS = ("database", "storage")


@bp.get("/healthz")
def live() -> ResponseReturnValue:
    """Answer while the process serves requests; checks nothing else on purpose."""
    return jsonify(status="ok")


@bp.get("/readyz")
def ready() -> ResponseReturnValue:
    """Report whether the database and the document storage answer, with latencies."""
    rt = runtime()
    checks = {name: rt.tools.checks[name] for name in READINESS}
    results = run_checks(checks, rt.tools.check_targets)
    ready = all(r.ok for r in results)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {r.name: {"ok": r.ok, "latency_ms": r.latency_ms} for r in results},
    }
    return jsonify(body), 200 if ready else 503
