"""WhatsApp Cloud API: interactive messages (reply buttons, lists), media messages and media by id.

Outbound bodies follow the documented shapes: ``"type": "interactive"`` with ``"interactive":
{"type": "button" | "list", "body": {"text"}, "action": …}`` and ``"type": "image" | "document"``
with ``{"link"}`` or ``{"id"}``. A ``biz_opaque_callback_data`` (the platform's reference of the
message) comes back in the message's status webhooks, so statuses find their message.

Inbound media arrive as an id: ``GET {api}/{media-id}`` answers ``{"url", "mime_type",
"file_size", "sha256"}`` and ``GET <url>`` with the same bearer token answers the bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any

import requests

from connectors.base import JSON, PermanentError, TemporaryError
from connectors.notify.whatsapp import CONNECT_TIMEOUT, READ_TIMEOUT, WhatsAppSettings, error_from_response

#: The Cloud API's limits: 3 reply buttons of 20 characters, 10 list rows of 24, a body of 1024.
MAX_BUTTONS, BUTTON_TITLE = 3, 20
MAX_ROWS, ROW_TITLE, ROW_DESCRIPTION = 10, 24, 72
INTERACTIVE_BODY = 1024
#: Images the Cloud API accepts are at most 5 MB; nothing larger is read.
MAX_MEDIA_BYTES = 5 * 1024 * 1024


def buttons_message(to: str, body: str, buttons: list[JSON]) -> JSON:
    """An interactive message with up to three reply buttons (``[{"id", "titulo"}]``)."""
    return _interactive(to, {
        "type": "button",
        "body": {"text": body[:INTERACTIVE_BODY]},
        "action": {"buttons": [{"type": "reply", "reply": {"id": b["id"], "title": b["titulo"][:BUTTON_TITLE]}}
                               for b in buttons[:MAX_BUTTONS]]},
    })


def list_message(to: str, body: str, button: str, rows: list[JSON]) -> JSON:
    """An interactive list of up to ten rows (``[{"id", "titulo", "descripcion"?}]``) behind ``button``."""
    return _interactive(to, {
        "type": "list",
        "body": {"text": body[:INTERACTIVE_BODY]},
        "action": {"button": button[:BUTTON_TITLE], "sections": [{"title": button[:BUTTON_TITLE], "rows": [
            {"id": r["id"], "title": r["titulo"][:ROW_TITLE],
             **({"description": r["descripcion"][:ROW_DESCRIPTION]} if r.get("descripcion") else {})}
            for r in rows[:MAX_ROWS]]}]},
    })


def media_message(to: str, kind: str, link: str | None = None, media_id: str | None = None,
                  caption: str | None = None) -> JSON:
    """An image or document message, by a public link or an uploaded media id."""
    media: JSON = {"link": link} if link else {"id": media_id}
    if caption:
        media["caption"] = caption
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: media}


def _interactive(to: str, interactive: JSON) -> JSON:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "interactive", "interactive": interactive}


def fetch_media(settings: WhatsAppSettings, media_id: str, http: Any = requests) -> tuple[bytes, str]:
    """Download an inbound media by its id: its bytes and MIME type, the SHA-256 checked when given.

    :raises TemporaryError: unreachable, timeout, 429 or 5xx.
    :raises PermanentError: unknown id, refused token, larger than 5 MB, or bytes that do not match.
    """
    headers = {"Authorization": f"Bearer {settings.token}"}
    meta = _get(http, f"{settings.api_url}/{media_id}", headers).json()
    if not isinstance(meta, dict) or not isinstance(meta.get("url"), str):
        raise PermanentError("WhatsApp no devolvió la dirección del archivo.")
    if int(meta.get("file_size") or 0) > MAX_MEDIA_BYTES:
        raise PermanentError("El archivo de WhatsApp supera los 5 MB.")
    response = _get(http, meta["url"], headers)  # its declared size was checked above
    content = response.content
    if len(content) > MAX_MEDIA_BYTES:
        raise PermanentError("El archivo de WhatsApp supera los 5 MB.")
    expected = meta.get("sha256")
    if expected and hashlib.sha256(content).hexdigest() != str(expected).lower():
        raise PermanentError("El archivo de WhatsApp no coincide con su huella SHA-256.")
    return content, str(meta.get("mime_type") or response.headers.get("Content-Type") or "application/octet-stream")


def _get(http: Any, url: str, headers: dict[str, str]) -> Any:
    try:
        response = http.get(url, headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.Timeout as e:
        raise TemporaryError("WhatsApp no respondió a tiempo.", detail=str(e)) from e
    except requests.RequestException as e:
        raise TemporaryError("No se pudo conectar con WhatsApp.", detail=str(e)) from e
    if response.status_code >= 300:
        try:
            body = response.json()
        except ValueError:
            body = None
        raise error_from_response(response.status_code, body)
    return response
