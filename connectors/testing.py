"""``eco``: a connector whose behaviour a test chooses, for the service-task machinery.

It is never a built-in: tests register it explicitly (``registry.register(EchoConnector)``)
so that the engine's retries, incidents, timeouts and webhook route can be exercised
through the same registry as the real connectors, without a peer:

- ``eco/repetir`` returns ``{"valor": <valor>}``;
- ``eco/fallar`` raises what ``tipo`` asks: ``temporal`` / ``permanente`` (connector
  errors), ``red`` (an ``OSError``) or ``error`` (a ``RuntimeError``, i.e. a bug);
- ``eco/fallar_veces`` fails temporarily the first ``veces`` calls with one ``clave``,
  then answers ``{"intentos": n}``;
- ``eco/demorar`` sleeps ``segundos`` against a 0.2 s timeout;
- ``eco/devolver`` returns ``resultado`` as is, to test result validation;
- webhooks: a JSON body ``{"name", "correlation", "data", "message_id"}`` with the header
  ``X-Eco-Token`` equal to the ``ECO_WEBHOOK_TOKEN`` setting.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Mapping
from typing import Any

from connectors.base import JSON, Connector, ConnectorContext, PermanentError, TemporaryError, operation

_ANY: JSON = {"type": "object"}


class EchoConnector(Connector):
    """Answers, fails or stalls on request."""

    name = "eco"
    settings = ("ECO_WEBHOOK_TOKEN",)
    secrets = ("ECO_WEBHOOK_TOKEN",)

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self._calls: dict[str, int] = {}
        self._lock = threading.Lock()

    @operation(params={"type": "object", "required": ["valor"], "properties": {"valor": {}}},
               result={"type": "object", "required": ["valor"]})
    def repetir(self, params: JSON, context: ConnectorContext) -> JSON:
        """Devolver el valor recibido."""
        return {"valor": params["valor"]}

    @operation(params={"type": "object", "required": ["tipo"], "additionalProperties": False,
                       "properties": {"tipo": {"enum": ["temporal", "permanente", "red", "error"]},
                                      "mensaje": {"type": "string"}}},
               result=_ANY)
    def fallar(self, params: JSON, context: ConnectorContext) -> JSON:
        """Fallar del modo pedido."""
        message = params.get("mensaje", "Falla pedida por la prueba")
        kind = params["tipo"]
        if kind == "temporal":
            raise TemporaryError(message)
        if kind == "permanente":
            raise PermanentError(message)
        if kind == "red":
            raise ConnectionResetError(message)
        raise RuntimeError(message)

    @operation(params={"type": "object", "required": ["clave", "veces"],
                       "properties": {"clave": {"type": "string"}, "veces": {"type": "integer", "minimum": 0}}},
               result={"type": "object", "required": ["intentos"], "properties": {"intentos": {"type": "integer"}}})
    def fallar_veces(self, params: JSON, context: ConnectorContext) -> JSON:
        """Fallar temporalmente las primeras veces y después responder."""
        with self._lock:
            count = self._calls[params["clave"]] = self._calls.get(params["clave"], 0) + 1
        if count <= params["veces"]:
            raise TemporaryError(f"Falla temporal {count} de {params['veces']}")
        return {"intentos": count}

    @operation(params={"type": "object", "required": ["segundos"],
                       "properties": {"segundos": {"type": "number", "minimum": 0, "maximum": 2}}},
               result={"type": "object"}, timeout=0.2)
    def demorar(self, params: JSON, context: ConnectorContext) -> JSON:
        """Demorar la respuesta (el límite es 0,2 s)."""
        time.sleep(params["segundos"])
        return {"segundos": params["segundos"]}

    @operation(params={"type": "object", "required": ["resultado"], "properties": {"resultado": {}}},
               result={"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}})
    def devolver(self, params: JSON, context: ConnectorContext) -> Any:
        """Devolver el resultado indicado, sea válido o no."""
        return params["resultado"]

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[JSON]:
        """Accept a JSON message when ``X-Eco-Token`` matches ``ECO_WEBHOOK_TOKEN``.

        :raises PermanentError: no token configured, wrong token or a body that is not JSON.
        """
        token = str(self.config.get("ECO_WEBHOOK_TOKEN") or "")
        given = headers.get("X-Eco-Token", "")
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            raise PermanentError("El aviso no trae un token válido")
        try:
            message = json.loads(body)
        except ValueError as e:
            raise PermanentError("El aviso no es JSON") from e
        return [message]
