"""The GAF sandbox: ``openapi.yaml`` served by Flask, with state, for tests and demos.

The one module of ``connectors/`` allowed to import Flask (see the import contract). Every
route comes from the contract: each ``operationId`` is a method of :class:`_Views` and an
endpoint of the blueprint, and every request and response is validated against the
contract (requests that break it get 422 ``application/problem+json``; a response that
breaks it is a sandbox bug, logged and answered as 500).

Three ways to run it:

- ``sandbox_blueprint(token=..., webhook_url=..., webhook_secret=...)`` mounted in another
  app (``app.register_blueprint(bp, url_prefix="/_sandbox/gaf")``);
- ``create_sandbox(...)``, a Flask app of its own (also fine under werkzeug's
  ``DispatcherMiddleware``);
- ``run_sandbox(host, port, ...)``, what ``tramites gaf-sandbox`` calls.

The slip pages (``/boletas/<numero>``) and their "Pagar" button are public, like a bank's
payment page: anyone who knows a slip's number may pay it here, with play money.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.serving import run_simple

from connectors.gaf.contract import Contract, Problem
from connectors.gaf.ledger import GafLedger, fingerprint
from connectors.gaf.webhooks import WebhookSender

log = logging.getLogger("tramites.connectors.gaf.sandbox")

BLUEPRINT_NAME = "gaf_sandbox"
EXTENSION_KEY = "gaf_sandbox"
_STATES = {"pendiente": "Pendiente de pago", "pagada": "Pagada", "vencida": "Vencida", "anulada": "Anulada"}
_HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class Sandbox:
    """The parts of one sandbox: its contract, its books, its webhook sender and its token."""

    contract: Contract
    ledger: GafLedger
    webhooks: WebhookSender
    token: str = field(repr=False)


def build_sandbox(*, token: str, webhook_url: str | None = None, webhook_secret: str | None = None,
                  state_path: str | Path | None = None, ledger: GafLedger | None = None,
                  session: requests.Session | None = None) -> Sandbox:
    """Assemble a sandbox.

    :param token: the bearer token clients must send (``TRAMITES_GAF_TOKEN`` on the platform side).
    :param webhook_url: where payment notices go (the platform's ``POST /hooks/gaf``); ``None``
        records payments without notifying anyone.
    :param webhook_secret: HMAC key of the notices (``TRAMITES_GAF_WEBHOOK_SECRET``).
    :param state_path: JSON file that keeps the state across restarts; ``None`` keeps it in memory.
    :param ledger: a ready ledger instead of one built from ``state_path`` (tests move its clock).
    :param session: sends the notices (``connectors.gaf.inprocess`` when the receiver is this process).
    :raises ValueError: without a token, or with a webhook URL but no secret.
    """
    if not token:
        raise ValueError("the GAF sandbox needs a bearer token")
    books = ledger or GafLedger(state_path)
    return Sandbox(Contract.load(), books, WebhookSender(webhook_url, webhook_secret, books, session=session), token)


def sandbox_blueprint(sandbox: Sandbox | None = None, *, name: str = BLUEPRINT_NAME, **config: Any) -> Blueprint:
    """Return a blueprint serving the sandbox; ``config`` goes to :func:`build_sandbox`.

    Registering it stores the :class:`Sandbox` in ``app.extensions[name]`` (``"gaf_sandbox"`` by
    default); another ``name`` lets a second sandbox (the test cases') live beside it.
    """
    parts = sandbox or build_sandbox(**config)
    bp = Blueprint(name, __name__, template_folder="templates")
    views = _Views(parts)
    for op in parts.contract.operations.values():
        rule = op.path.replace("{", "<").replace("}", ">")
        bp.add_url_rule(rule, endpoint=op.id, view_func=getattr(views, op.id), methods=[op.method])
    bp.before_request(views.check_request)
    bp.after_request(views.check_response)
    bp.register_error_handler(Problem, views.problem)
    bp.record_once(lambda state: state.app.extensions.setdefault(name, parts))
    return bp


def create_sandbox(*, token: str, webhook_url: str | None = None, webhook_secret: str | None = None,
                   state_path: str | Path | None = None) -> Flask:
    """Return a Flask app serving the sandbox at its root (parameters as in :func:`build_sandbox`)."""
    app = Flask(__name__)
    app.register_blueprint(sandbox_blueprint(token=token, webhook_url=webhook_url, webhook_secret=webhook_secret,
                                             state_path=state_path))
    return app


def run_sandbox(host: str, port: int, **config: Any) -> None:
    """Serve the sandbox alone until interrupted (``tramites gaf-sandbox --host H --port P``).

    :param config: ``token``, ``webhook_url``, ``webhook_secret``, ``state_path``.
    """
    app = create_sandbox(**config)
    log.info("GAF sandbox on http://%s:%d/ (contract at /openapi.json)", host, port)
    # Not app.run(): Flask ignores it inside a ``flask``-style command (FLASK_RUN_FROM_CLI).
    run_simple(host, port, app, threaded=True, use_reloader=False)


class _Views:
    """One method per ``operationId`` of the contract, plus the request/response checks."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.s = sandbox

    # -- checks around every request ------------------------------------------------------

    def check_request(self) -> None:
        op_id = _operation_id()
        if self.s.contract.requires_bearer(op_id) and not self._authorized():
            raise Problem(401, "No autorizado", "Falta el token de acceso o no es válido.")
        if self.s.contract.declares(op_id, 503):
            status = self.s.ledger.take_fault()
            if status:
                raise Problem(status, "GAF no disponible", "Falla simulada por el sandbox; reintente más tarde.")
        g.gaf_body = self.s.contract.check_request(
            op_id, path_params=request.view_args or {}, headers=dict(request.headers.items()),
            media_type=request.mimetype, body=request.get_data(cache=True))

    def check_response(self, response: Response) -> Response:
        op_id = _operation_id()
        problems = self.s.contract.check_response(op_id, response.status_code, response.mimetype or "",
                                                  response.get_data())
        if not problems:
            return response
        log.error("GAF sandbox answer to %s breaks the contract: %s", op_id, "; ".join(problems))
        return _problem(Problem(500, "Respuesta fuera de contrato",
                                "El sandbox produjo una respuesta que no cumple su contrato.", problems))

    def problem(self, error: Problem) -> Response:
        return _problem(error)

    def _authorized(self) -> bool:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), self.s.token.encode())

    # -- the contract's operations --------------------------------------------------------

    def obtener_contrato(self) -> Response:
        return _json(200, self.s.contract.document)

    def crear_liquidacion(self) -> Response:
        return self._idempotent("liquidaciones", lambda body: (201, self.s.ledger.assess(body, _slip_url)))

    def consultar_liquidacion(self, numero: str) -> Response:
        return _json(200, self.s.ledger.slip(numero))

    def registrar_pago(self, numero: str) -> Response:
        slip, event = self._pay(numero)
        return _json(200, {"liquidacion": slip, "evento": event["id"]})

    def consultar_disponibilidad(self) -> Response:
        body = g.gaf_body
        return _json(200, self.s.ledger.availability(body["partida"], body["importe"]))

    def crear_compromiso(self) -> Response:
        return self._idempotent("compromisos", lambda body: (201, self.s.ledger.commit(body)))

    def crear_factura(self) -> Response:
        return self._idempotent("facturas", lambda body: (201, self.s.ledger.register_invoice(body)))

    def simular_falla(self) -> Response:
        body = g.gaf_body
        self.s.ledger.schedule_fault(body["estado"], body["veces"])
        return _json(200, body)

    def ver_boleta(self, numero: str) -> Response:
        try:
            slip = self.s.ledger.slip(numero)
            notice = self.s.ledger.notice(numero)
        except Problem as e:
            return _html(e.status, "gaf_sandbox/problema.html", problema=e)
        return _html(200, "gaf_sandbox/boleta.html", **_slip_page(slip, notice))

    def pagar_boleta(self, numero: str) -> Response:
        try:
            self._pay(numero)
        except Problem as e:
            return _html(e.status, "gaf_sandbox/problema.html", problema=e)
        return redirect(url_for(".ver_boleta", numero=numero), 303)  # type: ignore[return-value]

    # -- helpers --------------------------------------------------------------------------

    def _pay(self, numero: str) -> tuple[dict[str, Any], dict[str, Any]]:
        slip, event = self.s.ledger.pay(numero)
        problems = self.s.contract.check_webhook("pago_confirmado", event)
        if problems:
            raise Problem(500, "Aviso fuera de contrato", "El sandbox armó un aviso que no cumple su contrato.",
                          problems)
        self.s.webhooks.send(event)
        return slip, event

    def _idempotent(self, scope: str, create: Callable[[Any], tuple[int, dict[str, Any]]]) -> Response:
        """Create once per ``Idempotency-Key``: a repeated key with the same body replays the answer."""
        body = g.gaf_body
        key = request.headers.get("Idempotency-Key")
        if not key:
            return _json(*create(body))
        body_hash = fingerprint(body)
        with self.s.ledger.lock:
            replayed = self.s.ledger.replay(scope, key, body_hash)
            if replayed is not None:
                return _json(*replayed)
            status, answer = create(body)
            self.s.ledger.remember(scope, key, body_hash, status, answer)
        return _json(status, answer)


def sandbox_of(app: Flask | None = None, name: str = EXTENSION_KEY) -> Sandbox:
    """Return the :class:`Sandbox` registered on ``app`` (the current app by default) under ``name``."""
    target = app or current_app
    parts: Sandbox = target.extensions[name]
    return parts


def _operation_id() -> str:
    return (request.endpoint or "").rpartition(".")[2]


def _slip_url(numero: str) -> str:
    return url_for(".ver_boleta", numero=numero, _external=True)


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _problem(error: Problem) -> Response:
    response = Response(json.dumps(error.body(), ensure_ascii=False), status=error.status,
                        mimetype="application/problem+json")
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="GAF"'
    return response


def _html(status: int, template: str, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.headers.update(_HTML_HEADERS)
    return response


def _slip_page(slip: dict[str, Any], notice: dict[str, Any] | None) -> dict[str, Any]:
    """What the slip template shows, formatted the Argentine way."""
    payer = slip["contribuyente"]
    paid_at = datetime.fromisoformat(slip["fecha_pago"]).strftime("%d/%m/%Y %H:%M") if slip["fecha_pago"] else ""
    return {
        "liq": slip,
        "documento": f"CUIT {payer['cuit']}" if "cuit" in payer else f"DNI {payer['dni']}",
        "importe": _pesos(slip["importe"]),
        "vencimiento": date.fromisoformat(slip["vencimiento"]).strftime("%d/%m/%Y"),
        "estado": _STATES[slip["estado"]],
        "fecha_pago": paid_at,
        "aviso": _notice_text(notice),
    }


def _pesos(amount: str) -> str:
    """``"1234567.50"`` -> ``"$ 1.234.567,50"``."""
    text = f"{Decimal(amount):,.2f}"
    return "$ " + text.replace(",", "_").replace(".", ",").replace("_", ".")


def _notice_text(notice: dict[str, Any] | None) -> str:
    if notice is None:
        return ""
    outcome = notice["entrega"]
    if outcome is None:
        return "Enviando el aviso de pago a la plataforma…"
    if outcome["entregado"]:
        return f"La plataforma recibió el aviso ({outcome['resultado']})."
    if outcome["resultado"] == "sin destino":
        return "No hay una plataforma configurada para recibir el aviso."
    return f"No se pudo entregar el aviso ({outcome['resultado']}) tras {outcome['intentos']} intentos."
