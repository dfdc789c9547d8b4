"""The ``notificar`` connector: e-mail over SMTP and WhatsApp Business Cloud API messages.

The engine calls these operations after the step's commit, so a failure never undoes a
step; a temporary failure is retried with backoff like any other operation.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import requests

from connectors.base import JSON, Connector, ConnectorContext, operation
from connectors.notify import mail, whatsapp, whatsapp_rich
from connectors.notify.errors import ConfigurationError

SENT_SCHEMA: JSON = {
    "type": "object",
    "required": ["enviado", "message_id"],
    "properties": {"enviado": {"const": True}, "message_id": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
_ADDRESS_SCHEMA: JSON = {"type": "string", "pattern": mail.ADDRESS.pattern, "maxLength": 254}
EMAIL_SCHEMA: JSON = {
    "type": "object",
    "required": ["para", "plantilla"],
    "properties": {
        "para": {
            "anyOf": [_ADDRESS_SCHEMA, {"type": "array", "items": _ADDRESS_SCHEMA, "minItems": 1, "maxItems": 50}],
            "description": "Dirección (o direcciones) de correo del destinatario.",
        },
        "plantilla": {"enum": list(mail.TEMPLATES), "description": "Plantilla de correo en español."},
        "datos": {"type": "object", "description": "Valores de la plantilla: nombre, tramite, numero, enlace…"},
    },
    "additionalProperties": False,
}
WHATSAPP_SCHEMA: JSON = {
    "type": "object",
    "required": ["para"],
    "properties": {
        "para": {"type": "string", "pattern": r"^\+?[1-9][0-9]{7,14}$", "description": "Teléfono en formato E.164."},
        "texto": {"type": "string", "minLength": 1, "maxLength": 4096},
        "plantilla": {
            "type": "object",
            "required": ["nombre"],
            "properties": {
                "nombre": {"type": "string", "pattern": "^[a-z0-9_]{1,512}$"},
                "idioma": {"type": "string", "pattern": "^[a-z]{2,3}(_[A-Z]{2})?$", "default": "es_AR"},
                "parametros": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
            },
            "additionalProperties": False,
        },
        "botones": {
            "type": "array", "minItems": 1, "maxItems": 3,
            "items": {"type": "object", "required": ["id", "titulo"], "additionalProperties": False,
                      "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 256},
                                     "titulo": {"type": "string", "minLength": 1, "maxLength": 20}}},
            "description": "Botones de respuesta (mensaje interactivo, junto con «texto»).",
        },
        "lista": {
            "type": "object", "required": ["boton", "opciones"], "additionalProperties": False,
            "properties": {
                "boton": {"type": "string", "minLength": 1, "maxLength": 20},
                "opciones": {"type": "array", "minItems": 1, "maxItems": 10, "items": {
                    "type": "object", "required": ["id", "titulo"], "additionalProperties": False,
                    "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 200},
                                   "titulo": {"type": "string", "minLength": 1, "maxLength": 24},
                                   "descripcion": {"type": "string", "maxLength": 72}}}},
            },
            "description": "Una lista de opciones (mensaje interactivo, junto con «texto»).",
        },
        "medio": {
            "type": "object", "required": ["tipo"], "additionalProperties": False,
            "properties": {"tipo": {"enum": ["image", "document"]},
                           "enlace": {"type": "string", "pattern": "^https://", "maxLength": 2000},
                           "id": {"type": "string", "pattern": "^[0-9A-Za-z_.-]{1,100}$"},
                           "texto": {"type": "string", "maxLength": 1024}},
            "oneOf": [{"required": ["enlace"]}, {"required": ["id"]}],
            "description": "Una imagen o un documento, por enlace público o id de medio.",
        },
        "referencia": {"type": "string", "pattern": "^[A-Za-z0-9:_-]{1,512}$",
                       "description": "Referencia propia del mensaje: vuelve en los avisos de estado."},
    },
    "oneOf": [{"required": ["texto"]}, {"required": ["plantilla"]}, {"required": ["medio"]}],
    "not": {"anyOf": [{"required": ["botones", "lista"]},
                      {"required": ["plantilla", "botones"]}, {"required": ["plantilla", "lista"]}]},
    "additionalProperties": False,
}
MEDIA_SCHEMA: JSON = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string", "pattern": "^[0-9A-Za-z_.-]{1,100}$"}},
    "additionalProperties": False,
}
MEDIA_RESULT_SCHEMA: JSON = {
    "type": "object",
    "required": ["contenido", "mime_type", "tamano"],
    "properties": {"contenido": {"type": "string", "contentEncoding": "base64"},
                   "mime_type": {"type": "string", "maxLength": 200},
                   "tamano": {"type": "integer", "minimum": 0}},
    "additionalProperties": False,
}


class NotifyConnector(Connector):
    """Notifications to citizens and staff: Spanish e-mail templates and WhatsApp messages.

    Inbound WhatsApp messages arrive through :meth:`parse_webhook` (``POST /hooks/notificar``)
    and Meta's subscription handshake through :meth:`verify_subscription` (``GET`` on the same URL).
    """

    name = "notificar"
    settings = (
        "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS", "MAIL_FROM", "MAIL_OUTBOX_DIR",
        "WHATSAPP_API_URL", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TOKEN", "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
    )
    secrets = ("SMTP_PASSWORD", "WHATSAPP_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")
    #: How WhatsApp is reached: ``requests`` itself, or a session (the embedded sandbox, in-process).
    session: Any = None

    @operation(params=EMAIL_SCHEMA, result=SENT_SCHEMA, timeout=60.0, after_commit=True)
    def email(self, params: JSON, context: ConnectorContext) -> JSON:
        """Send a Spanish e-mail template (text and HTML) over SMTP."""
        message_id = mail.send_email(self._config(context), params["para"], params["plantilla"],
                                     params.get("datos") or {}, key=context.instance.get("delivery_id"))
        return {"enviado": True, "message_id": message_id}

    @operation(params=WHATSAPP_SCHEMA, result=SENT_SCHEMA, timeout=30.0, after_commit=True)
    def whatsapp(self, params: JSON, context: ConnectorContext) -> JSON:
        """Send a WhatsApp text (with reply buttons or a list), media or approved template message."""
        settings = whatsapp.WhatsAppSettings.from_config(self._config(context))
        payload = _whatsapp_payload(params)
        if params.get("referencia"):
            payload["biz_opaque_callback_data"] = params["referencia"]
        message_id = whatsapp.send_message(settings, payload, self.session or requests)
        context.logger.info("whatsapp message %s sent", message_id)
        return {"enviado": True, "message_id": message_id}

    @operation(params=MEDIA_SCHEMA, result=MEDIA_RESULT_SCHEMA, timeout=60.0)
    def whatsapp_medio(self, params: JSON, context: ConnectorContext) -> JSON:
        """Download a media a person sent by WhatsApp (a photo), by its id; base64 in the result."""
        settings = whatsapp.WhatsAppSettings.from_config(self._config(context))
        content, mime_type = whatsapp_rich.fetch_media(settings, params["id"], self.session or requests)
        return {"contenido": base64.b64encode(content).decode("ascii"), "mime_type": mime_type[:200],
                "tamano": len(content)}

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[JSON]:
        """Verify a WhatsApp webhook (``X-Hub-Signature-256``) and return its messages for the engine.

        :raises ConfigurationError: when ``WHATSAPP_APP_SECRET`` is not set.
        :raises SignatureError: bad or missing signature.
        :raises PayloadError: signed, but not the documented payload.
        """
        secret = self.config.get("WHATSAPP_APP_SECRET")
        if not secret:
            raise ConfigurationError("Falta configurar WHATSAPP_APP_SECRET para recibir mensajes de WhatsApp.")
        phone_number_id = self.config.get("WHATSAPP_PHONE_NUMBER_ID")
        return whatsapp.parse_webhook(headers, body, str(secret), str(phone_number_id) if phone_number_id else None)

    def verify_subscription(self, params: Mapping[str, str]) -> str:
        """Answer Meta's ``GET`` handshake with ``hub.challenge`` when ``hub.verify_token`` matches.

        :raises SignatureError: wrong mode or token, or no ``WHATSAPP_VERIFY_TOKEN`` configured.
        """
        return whatsapp.verify_subscription(params, str(self.config.get("WHATSAPP_VERIFY_TOKEN") or ""))

    def _config(self, context: ConnectorContext) -> dict[str, Any]:
        """This connector's settings: the constructor's, overridden by the call's context."""
        return {**self.config, **context.config}


def _whatsapp_payload(params: JSON) -> JSON:
    """The Cloud API body of the ``whatsapp`` operation's parameters."""
    to = params["para"]
    if "plantilla" in params:
        template = params["plantilla"]
        return whatsapp.template_message(to, template["nombre"], template.get("idioma") or "es_AR",
                                         template.get("parametros"))
    if "medio" in params:
        media = params["medio"]
        return whatsapp_rich.media_message(to, media["tipo"], media.get("enlace"), media.get("id"), media.get("texto"))
    if "botones" in params:
        return whatsapp_rich.buttons_message(to, params["texto"], params["botones"])
    if "lista" in params:
        return whatsapp_rich.list_message(to, params["texto"], params["lista"]["boton"], params["lista"]["opciones"])
    return whatsapp.text_message(to, params["texto"])
