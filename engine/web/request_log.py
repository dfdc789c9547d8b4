"""One log line per request, with its id and duration, and the id in the answer's ``X-Request-Id``.

The line names the route's rule (``/mis-tramites/<number>``), never the path and query the
person typed (a search for a name, a tracking code), and the case number the request is about:
the URL's ``<number>``, or the case its first step moved (a start learns its number there).
Probes and static files are logged at DEBUG: an orchestrator asks for them every few seconds.
"""

from __future__ import annotations

import logging
import time
from contextvars import Token

from flask import Flask, Response, g, request

from engine.observability import logs

log = logging.getLogger("tramites.request")
HEADER = "X-Request-Id"
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


def install(app: Flask) -> None:
    """Give every request of ``app`` an id, a duration and its log line."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_forget)


def _begin() -> None:
    g.request_began = time.perf_counter()
    g.request_id = logs.accepted_request_id(request.headers.get(HEADER))
    g.request_tokens = (logs.request_id.set(g.request_id), logs.request_case.set(None))


def _finish(response: Response) -> Response:
    if "request_id" not in g:
        return response  # a hook before ours answered: nothing of ours was set
    response.headers[HEADER] = g.request_id
    seconds = time.perf_counter() - g.request_began
    quiet = request.path in _QUIET or request.path.startswith("/static/")
    case = (request.view_args or {}).get("number") or logs.request_case.get()
    log.log(logging.DEBUG if quiet else logging.INFO, "%s %s %s", request.method,
            request.url_rule.rule if request.url_rule else "(sin ruta)", response.status_code,
            extra={"method": request.method, "route": request.url_rule.rule if request.url_rule else None,
                   "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                   "case": case if isinstance(case, str) else None})
    return response


def _forget(_error: BaseException | None) -> None:
    tokens: tuple[Token[str | None], Token[str | None]] | None = g.pop("request_tokens", None)
    if tokens is not None:
        logs.request_id.reset(tokens[0])
        logs.request_case.reset(tokens[1])
