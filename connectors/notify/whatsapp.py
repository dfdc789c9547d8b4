"""WhatsApp Business Cloud API: outbound messages, inbound webhook and its verification handshake.

Outbound: ``POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages`` with a bearer
token and the documented body (``{"messaging_product": "whatsapp", "to": …, "type": "text",
"text": {"body": …}}`` or ``"type": "template"``); the answer carries
``{"messages": [{"id": "wamid…"}]}``, errors carry ``{"error": {"code": …, "message": …}}``.

Inbound: Meta POSTs ``{"object": "whatsapp_business_account", "entry": [{"changes":
[{"value": {"messages": […]}}]}]}`` signed with ``X-Hub-Signature-256: sha256=<HMAC-SHA256
of the raw body with the app secret>``; each message becomes a *conversation notice* for the
engine (``{"kind": "conversation", "channel": "whatsapp", "message_id": wamid, "data": {…}}``) and
each delivery status a *status notice* (``{"kind": "status", …}``): see docs/connectors.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.base import JSON, ConnectorError, PermanentError, TemporaryError
from connectors.notify.errors import ConfigurationError, PayloadError, SignatureError

DEFAULT_API_URL = "https://graph.facebook.com/v21.0"
CHANNEL = "whatsapp"
#: The Cloud API statuses of an outbound message, in the order they happen (``failed`` at any time).
STATUSES = ("sent", "delivered", "read", "failed")
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 15.0
# Cloud API error codes that mean "try later" whatever the HTTP status: service
# unavailable or overloaded, and the app, account, throughput and pair rate limits.
RETRYABLE_CODES = frozenset({2, 4, 80007, 130429, 131016, 131056, 133004})
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")


@dataclass(frozen=True)
class WhatsAppSettings:
    """Where and as whom to send; ``repr`` never shows the token."""

    api_url: str
    phone_number_id: str
    token: str = field(repr=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WhatsAppSettings:
        """Read ``WHATSAPP_API_URL``, ``WHATSAPP_PHONE_NUMBER_ID`` and ``WHATSAPP_TOKEN``.

        :raises ConfigurationError: when the phone number id or the token is missing.
        """
        phone_number_id, token = config.get("WHATSAPP_PHONE_NUMBER_ID"), config.get("WHATSAPP_TOKEN")
        if not phone_number_id or not token:
            raise ConfigurationError("Falta configurar WHATSAPP_PHONE_NUMBER_ID y WHATSAPP_TOKEN.")
        api_url = str(config.get("WHATSAPP_API_URL") or DEFAULT_API_URL).rstrip("/")
        return cls(api_url=api_url, phone_number_id=str(phone_number_id), token=str(token))


def text_message(to: str, body: str, *, preview_url: bool = False) -> JSON:
    """Return the Cloud API body of a free-form text message."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": preview_url, "body": body},
    }


def template_message(to: str, name: str, language: str = "es_AR", parameters: list[str] | None = None) -> JSON:
    """Return the Cloud API body of a pre-approved template message with body parameters."""
    template: JSON = {"name": name, "language": {"code": language}}
    if parameters:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in parameters]}
        ]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "template", "template": template}


def send_message(settings: WhatsAppSettings, payload: JSON, http: Any = requests) -> str:
    """POST one message to the Cloud API and return its ``wamid``.

    :param http: ``requests`` or a session (the embedded sandbox is reached in-process through one).

    :raises TemporaryError: unreachable, timeout, 429, 5xx or a retryable error code.
    :raises PermanentError: any other refusal (401 bad token, 400 bad request…) or an unreadable answer.
    """
    url = f"{settings.api_url}/{settings.phone_number_id}/messages"
    try:
        response = http.post(
            url, json=payload, headers={"Authorization": f"Bearer {settings.token}"},
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        )
    except requests.Timeout as e:
        raise TemporaryError("WhatsApp no respondió a tiempo.", detail=str(e)) from e
    except requests.RequestException as e:
        raise TemporaryError("No se pudo conectar con WhatsApp.", detail=str(e)) from e
    if response.status_code >= 300:
        raise error_from_response(response.status_code, _json_or_none(response))
    answer = _json_or_none(response)
    try:
        return str(answer["messages"][0]["id"])
    except (TypeError, KeyError, IndexError) as e:
        raise PermanentError("WhatsApp respondió sin identificador de mensaje.") from e


def error_from_response(status: int, body: Any) -> ConnectorError:
    """Map a Cloud API error answer (``{"error": {"code", "message", …}}``) to a connector error."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    detail = {"status": status, "code": code, "message": error.get("message"),
              "fbtrace_id": error.get("fbtrace_id")}
    if status == 429 or status >= 500 or code in RETRYABLE_CODES:
        return TemporaryError(f"WhatsApp pidió reintentar más tarde (HTTP {status}, código {code}).", detail=detail)
    if status in (401, 403):
        return PermanentError(f"WhatsApp rechazó las credenciales (HTTP {status}): revise WHATSAPP_TOKEN.",
                              detail=detail)
    return PermanentError(f"WhatsApp rechazó el mensaje (HTTP {status}, código {code}).", detail=detail)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def verify_signature(headers: Mapping[str, str], body: bytes, app_secret: str) -> None:
    """Check ``X-Hub-Signature-256`` against the HMAC-SHA256 of the raw body.

    :raises SignatureError: when the header is missing or does not match.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    header = lowered.get("x-hub-signature-256", "")
    expected = "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    if not header or not hmac.compare_digest(header.strip().lower(), expected):
        raise SignatureError("La firma del webhook de WhatsApp no es válida.")


def parse_webhook(
    headers: Mapping[str, str], body: bytes, app_secret: str, phone_number_id: str | None = None
) -> list[JSON]:
    """Verify an inbound webhook and turn its messages and statuses into notices for the engine.

    Other fields carry nothing for the engine and yield nothing. With ``phone_number_id``,
    changes of other business numbers are skipped.

    :return: conversation notices ``{"kind": "conversation", "channel": "whatsapp", "message_id":
        wamid, "data": {"telefono", "nombre", "tipo", "texto", "recibido", …}}`` and status notices
        ``{"kind": "status", "channel": "whatsapp", "message_id": wamid, "data": {"estado", "fecha",
        "referencia", "error"}}``.
    :raises SignatureError: bad or missing signature.
    :raises PayloadError: a signed body that is not the documented JSON.
    """
    verify_signature(headers, body, app_secret)
    try:
        payload = json.loads(body)
        found: list[JSON] = []
        for entry in payload.get("entry") or []:
            for change in entry.get("changes") or []:
                value = change.get("value") or {}
                if not _for_this_number(value, phone_number_id):
                    continue
                found.extend(_messages_of(value))
                found.extend(_statuses_of(value))
    except (ValueError, AttributeError, TypeError, KeyError, OverflowError) as e:
        raise PayloadError("El webhook de WhatsApp no tiene el formato documentado.", detail=str(e)) from e
    return found


def _for_this_number(value: JSON, phone_number_id: str | None) -> bool:
    metadata = value.get("metadata") or {}
    return not phone_number_id or str(metadata.get("phone_number_id", phone_number_id)) == str(phone_number_id)


def _messages_of(value: JSON) -> list[JSON]:
    names = {c.get("wa_id"): (c.get("profile") or {}).get("name") for c in value.get("contacts") or []}
    return [
        {
            "kind": "conversation",
            "channel": CHANNEL,
            "message_id": str(m["id"]),
            "data": {"telefono": str(m["from"]), "nombre": names.get(m["from"]), **_content(m),
                     "recibido": _when(m["timestamp"])},
        }
        for m in value.get("messages") or []
    ]


def _statuses_of(value: JSON) -> list[JSON]:
    """The delivery statuses of messages the platform sent (sent, delivered, read, failed)."""
    found = []
    for s in value.get("statuses") or []:
        status = str(s.get("status") or "")
        if status not in STATUSES:
            continue
        errors = s.get("errors") or []
        error = errors[0] if errors and isinstance(errors[0], dict) else {}
        found.append({
            "kind": "status",
            "channel": CHANNEL,
            "message_id": str(s["id"]),
            "data": {"estado": status, "fecha": _when(s["timestamp"]),
                     "referencia": s.get("biz_opaque_callback_data"),
                     "error": {"codigo": error.get("code"), "titulo": error.get("title")} if error else None},
        })
    return found


def _when(timestamp: Any) -> str:
    return datetime.fromtimestamp(int(timestamp), tz=UTC).isoformat()


def _content(message: JSON) -> JSON:
    """Return ``tipo`` and ``texto`` of one inbound message, plus location, media or reply."""
    kind = str(message.get("type") or "unknown")
    found = message.get(kind)
    part: JSON = found if isinstance(found, dict) else {}
    content: JSON = {"tipo": kind, "texto": ""}
    if kind == "text":
        content["texto"] = part.get("body", "")
    elif kind == "location":
        content["ubicacion"] = {"lat": part.get("latitude"), "lon": part.get("longitude"),
                                "nombre": part.get("name"), "direccion": part.get("address")}
        content["texto"] = part.get("address") or part.get("name") or ""
    elif kind in MEDIA_TYPES:
        content["adjunto"] = {"id": part.get("id"), "mime_type": part.get("mime_type"),
                              "nombre": part.get("filename")}
        content["texto"] = part.get("caption", "")
    elif kind == "button":  # quick-reply button of a template
        content["respuesta"] = {"id": part.get("payload"), "titulo": part.get("text")}
        content["texto"] = part.get("text", "")
    elif kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        content["respuesta"] = {"id": reply.get("id"), "titulo": reply.get("title")}
        content["texto"] = reply.get("title", "")
    return content


def verify_subscription(params: Mapping[str, str], verify_token: str) -> str:
    """Answer Meta's GET verification handshake: return ``hub.challenge`` when the token matches.

    :param params: the query string (``hub.mode``, ``hub.verify_token``, ``hub.challenge``).
    :param verify_token: the configured ``WHATSAPP_VERIFY_TOKEN``.
    :return: the challenge, to be answered as ``text/plain`` with status 200.
    :raises SignatureError: wrong mode or token (answer 403).
    """
    token = params.get("hub.verify_token") or ""
    challenge = params.get("hub.challenge")
    if params.get("hub.mode") != "subscribe" or not verify_token or challenge is None:
        raise SignatureError("Solicitud de verificación de WhatsApp inválida.")
    if not hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
        raise SignatureError("Solicitud de verificación de WhatsApp inválida.")
    return challenge
