"""GAF: the municipality's accounting, budget and tax system.

Operations (``gaf/...``): ``liquidar_tasa`` assesses a fee and returns its payment slip,
``consultar_pago`` reads a slip's state, ``verificar_presupuesto`` checks a budget line,
``registrar_compromiso`` commits an amount for a purchase and ``registrar_factura`` records
the supplier's invoice. GAF confirms payments with a signed webhook that
:meth:`GafConnector.parse_webhook` turns into the BPMN message ``pago_confirmado``,
correlated by ``liquidacion`` (the slip's number).

The HTTP contract is ``openapi.yaml`` in this folder; :mod:`connectors.gaf.sandbox` serves
the same contract for tests and demos.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from jsonschema import Draft202012Validator

from connectors.base import JSON, Connector, ConnectorContext, PermanentError, operation
from connectors.gaf import schemas
from connectors.gaf.client import GafClient
from connectors.gaf.signature import HEADER, verify

__all__ = ["GafConnector", "idempotency_key"]

PAYMENT_MESSAGE = "pago_confirmado"
_EVENT = Draft202012Validator(schemas.EVENT)


class GafConnector(Connector):
    """Client of GAF's REST contract.

    Settings: ``GAF_URL`` (root URL), ``GAF_TOKEN`` (bearer token, secret) and
    ``GAF_WEBHOOK_SECRET`` (HMAC key of the payment webhooks, secret). A connector without
    URL and token still registers, so deployments can be checked; its calls fail as
    permanent errors that name the missing setting.
    """

    name = "gaf"
    settings = ("GAF_URL", "GAF_TOKEN", "GAF_WEBHOOK_SECRET")
    secrets = ("GAF_TOKEN", "GAF_WEBHOOK_SECRET")
    #: Sends the requests when set: the embedded sandbox answers them in-process (``inprocess``).
    session: requests.Session | None = None

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        url = self.config.get("GAF_URL")
        if url and urlsplit(str(url)).scheme not in ("http", "https"):
            raise ValueError("TRAMITES_GAF_URL debe empezar con http:// o https://")

    @operation(params=schemas.LIQUIDAR_PARAMS, result=schemas.LIQUIDAR_RESULT, timeout=20.0)
    def liquidar_tasa(self, params: JSON, context: ConnectorContext) -> JSON:
        """Liquidar una tasa y emitir su boleta (número, código de pago, vencimiento, enlace)."""
        key = idempotency_key("liquidar_tasa", params, context)
        created = self._client().post("/liquidaciones", params, idempotency_key=key)
        context.logger.info("GAF liquidación %s for %s", created.get("numero"), params["referencia"])
        return _pick(created, schemas.LIQUIDAR_RESULT)

    @operation(params=schemas.CONSULTAR_PARAMS, result=schemas.CONSULTAR_RESULT, timeout=20.0)
    def consultar_pago(self, params: JSON, context: ConnectorContext) -> JSON:
        """Consultar si una liquidación está pendiente, pagada, vencida o anulada."""
        found = self._client().get("/liquidaciones/" + quote(params["liquidacion"], safe=""))
        found["pagada"] = found.get("estado") == "pagada"
        return _pick(found, schemas.CONSULTAR_RESULT)

    @operation(params=schemas.PRESUPUESTO_PARAMS, result=schemas.PRESUPUESTO_RESULT, timeout=20.0)
    def verificar_presupuesto(self, params: JSON, context: ConnectorContext) -> JSON:
        """Verificar si el saldo de una partida presupuestaria alcanza para un importe."""
        return _pick(self._client().post("/presupuesto/disponibilidad", params), schemas.PRESUPUESTO_RESULT)

    @operation(params=schemas.COMPROMISO_PARAMS, result=schemas.COMPROMISO_RESULT, timeout=20.0)
    def registrar_compromiso(self, params: JSON, context: ConnectorContext) -> JSON:
        """Registrar un compromiso de gasto sobre una partida (reserva el saldo)."""
        key = idempotency_key("registrar_compromiso", params, context)
        created = self._client().post("/compromisos", params, idempotency_key=key)
        return _pick(created, schemas.COMPROMISO_RESULT)

    @operation(params=schemas.FACTURA_PARAMS, result=schemas.FACTURA_RESULT, timeout=20.0)
    def registrar_factura(self, params: JSON, context: ConnectorContext) -> JSON:
        """Registrar la factura de un proveedor contra un compromiso."""
        key = idempotency_key("registrar_factura", params, context)
        created = self._client().post("/facturas", params, idempotency_key=key)
        return _pick(created, schemas.FACTURA_RESULT)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[JSON]:
        """Verify a GAF payment notice and turn it into the message ``pago_confirmado``.

        :param headers: request headers; ``X-GAF-Signature`` carries the hex HMAC-SHA256
            of ``body`` (an optional ``sha256=`` prefix is accepted).
        :param body: the raw body as received.
        :return: one message correlated by ``liquidacion``, whose ``message_id`` is the
            event's id (GAF may deliver an event twice); ``[]`` for other event kinds.
        :raises PermanentError: no webhook secret configured, bad signature or malformed body.
        """
        secret = self.config.get("GAF_WEBHOOK_SECRET")
        if not secret:
            raise PermanentError("El conector GAF no tiene TRAMITES_GAF_WEBHOOK_SECRET: no acepta avisos")
        if not verify(body, str(secret), _header(headers, HEADER)):
            raise PermanentError("La firma del aviso de GAF no es válida")
        try:
            event = json.loads(body)
        except ValueError as e:
            raise PermanentError("El aviso de GAF no es JSON") from e
        if not _EVENT.is_valid(event):
            raise PermanentError("El aviso de GAF no tiene la forma esperada")
        if event["evento"] != PAYMENT_MESSAGE:
            return []
        slip = event["liquidacion"]
        data = {k: slip[k] for k in ("numero", "estado", "importe", "fecha_pago", "referencia", "codigo_pago")
                if k in slip}
        return [{"name": PAYMENT_MESSAGE, "correlation": {"liquidacion": slip["numero"]},
                 "data": data, "message_id": event["id"]}]

    def _client(self) -> GafClient:
        missing = [f"TRAMITES_{k}" for k in ("GAF_URL", "GAF_TOKEN") if not self.config.get(k)]
        if missing:
            raise PermanentError("El conector GAF no está configurado: falta " + " y ".join(missing))
        return GafClient(str(self.config["GAF_URL"]), str(self.config["GAF_TOKEN"]), session=self.session)


def idempotency_key(operation_name: str, params: JSON, context: ConnectorContext) -> str:
    """Derive the ``Idempotency-Key`` of a creating call from the case, the task and the params.

    A retry of the same service task sends the same key, so GAF answers with what it
    created the first time instead of creating it again. The key reads ``instance_id``,
    ``case_number`` and ``element_id`` (the service task's BPMN id) from
    ``context.instance``, as the engine passes them; outside a process it depends on the
    parameters alone, whose ``referencia`` is the case number.

    :return: ``tramites-`` and 48 hex digits.
    """
    facts = {key: context.instance.get(key) for key in ("instance_id", "case_number", "element_id")}
    facts.update(operation=f"gaf/{operation_name}", params=params)
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return "tramites-" + digest[:48]


def _pick(answer: JSON, result_schema: JSON) -> JSON:
    """Keep the fields the result schema declares (GAF may answer more)."""
    return {k: answer[k] for k in result_schema["properties"] if k in answer}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)
