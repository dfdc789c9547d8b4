"""A WhatsApp sandbox for the embedded default: the Cloud API's endpoints and a phone in a web page.

In the embedded default (``make run``) there is no WhatsApp Business number, so the platform
mounts this sandbox at ``/_sandbox/whatsapp`` and points the ``notificar`` connector at it,
in-process (``connectors.gaf.inprocess``). It answers the documented Cloud API calls the connector
makes (``POST /v21.0/{phone-number-id}/messages``, media by id) with the bearer token, and its page
is a phone: what a demo person writes (text, a chosen option, a location, a photo) is posted to the
platform's ``/hooks/notificar`` signed with ``X-Hub-Signature-256``, exactly as Meta would, and the
platform's replies show in the page. Anyone may write from any number here: it is a demo, never
mounted where WhatsApp is configured.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

BLUEPRINT_NAME = "whatsapp_sandbox"
API_VERSION = "v21.0"
DEMO_PHONE = "5493815550101"
MAX_PHOTO = 5 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png")
#: Messages kept per phone in the page (the platform keeps its own transcript).
MAX_KEPT = 200


@dataclass
class Phones:
    """The sandbox's memory: each demo phone's messages, and the media the phones sent."""

    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, phone: str, entry: dict[str, Any]) -> None:
        with self.lock:
            kept = self.messages.setdefault(phone, [])
            kept.append(entry)
            del kept[:-MAX_KEPT]


def sandbox_blueprint(*, phone_number_id: str, token: str, app_secret: str, webhook_url: str,
                      session: requests.Session, base_url: str) -> Blueprint:
    """The sandbox's pages and Cloud API endpoints; the webhook goes to ``webhook_url`` through ``session``.

    :param base_url: where the connector reaches the sandbox (the media URLs it answers start there).
    """
    views = _Views(phone_number_id, token, app_secret, webhook_url, session, base_url.rstrip("/"))
    bp = Blueprint(BLUEPRINT_NAME, __name__, template_folder="templates")
    bp.add_url_rule(f"/{API_VERSION}/<phone_id>/messages", "send", views.send, methods=["POST"])
    bp.add_url_rule(f"/{API_VERSION}/<media_id>", "media_info", views.media_info)
    bp.add_url_rule("/media/<media_id>", "media_bytes", views.media_bytes)
    bp.add_url_rule("/", "phone", views.phone)
    bp.add_url_rule("/escribir", "write", views.write, methods=["POST"])
    return bp


@dataclass
class _Views:
    phone_number_id: str
    token: str = field(repr=False)
    app_secret: str = field(repr=False)
    webhook_url: str
    session: requests.Session
    base_url: str
    phones: Phones = field(default_factory=Phones)

    def _authorized(self) -> bool:
        return hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {self.token}")

    def send(self, phone_id: str) -> ResponseReturnValue:
        """``POST /v21.0/{phone-number-id}/messages``: keep the platform's reply for the phone's page."""
        body = request.get_json(silent=True)
        if not self._authorized():
            return _error(401, 190, "Invalid OAuth access token")
        to = str(body.get("to", "")).lstrip("+") if isinstance(body, dict) else ""
        if phone_id != self.phone_number_id or not to.isdigit():
            return _error(400, 100, "(#100) Invalid parameter")
        self.phones.keep(to, {"de": "municipalidad", "cuerpo": body, "hora": _now()})
        return {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": "wamid." + secrets.token_hex(16)}]}

    def media_info(self, media_id: str) -> ResponseReturnValue:
        """``GET /v21.0/{media-id}``: where a photo a phone sent can be downloaded."""
        if not self._authorized():
            return _error(401, 190, "Invalid OAuth access token")
        if media_id not in self.phones.media:
            return _error(404, 100, "(#100) Invalid media id")
        content, mime_type = self.phones.media[media_id]
        return {"messaging_product": "whatsapp", "id": media_id, "mime_type": mime_type, "file_size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "url": f"{self.base_url}/media/{media_id}"}

    def media_bytes(self, media_id: str) -> ResponseReturnValue:
        if not self._authorized() or media_id not in self.phones.media:
            return _error(404, 100, "(#100) Invalid media id")
        content, mime_type = self.phones.media[media_id]
        return Response(content, 200, content_type=mime_type)

    def phone(self) -> ResponseReturnValue:
        """The demo phone: its conversation and the forms to write."""
        number = _phone_of(request.args.get("telefono"))
        with self.phones.lock:
            shown = [_readable(m) for m in self.phones.messages.get(number, [])]
        return render_template("whatsapp_sandbox/telefono.html", number=number, messages=shown,
                               problem=request.args.get("problema"))

    def write(self) -> ResponseReturnValue:
        """Post what the demo person wrote to the platform, signed as Meta signs it."""
        number = _phone_of(request.form.get("telefono"))
        kind, content, shown = _message_of(request, self.phones)
        if kind is None:
            return redirect(url_for(f"{BLUEPRINT_NAME}.phone", telefono=number, problema=shown) + "#escribir")
        self.phones.keep(number, {"de": "vecino", "texto": shown, "hora": _now()})
        body = _webhook(self.phone_number_id, number, kind, content)
        signature = "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        self.session.post(self.webhook_url, data=body, timeout=60,
                          headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
        return redirect(url_for(f"{BLUEPRINT_NAME}.phone", telefono=number) + "#ultimo")


def _phone_of(typed: str | None) -> str:
    digits = "".join(c for c in (typed or "") if c.isdigit())
    return digits if 8 <= len(digits) <= 15 else DEMO_PHONE


def _message_of(req: Any, phones: Phones) -> tuple[str | None, dict[str, Any], str]:
    """The Cloud API message of what the demo person sent, and how the page shows it (or the problem)."""
    option = req.form.get("opcion", "")
    if option:
        option_id, _, title = option.partition("|")
        return "interactive", {"type": "button_reply", "button_reply": {"id": option_id, "title": title}}, title
    photo = req.files.get("foto")
    if photo is not None and photo.filename:
        content = photo.read(MAX_PHOTO + 1)
        if len(content) > MAX_PHOTO or photo.mimetype not in PHOTO_TYPES:
            return None, {}, "La foto debe ser JPEG o PNG de hasta 5 MB."
        media_id = str(secrets.randbelow(10**15) + 10**15)
        phones.media[media_id] = (content, photo.mimetype)
        caption = req.form.get("texto", "").strip()[:1024]
        return "image", {"id": media_id, "mime_type": photo.mimetype, "caption": caption}, f"[Foto] {caption}".strip()
    if req.form.get("ubicacion"):
        try:
            lat, lon = float(req.form.get("lat", "")), float(req.form.get("lon", ""))
        except ValueError:
            return None, {}, "Escriba la latitud y la longitud con números."
        return "location", {"latitude": lat, "longitude": lon, "name": req.form.get("lugar", "")[:100]}, \
            f"[Ubicación {lat}, {lon}]"
    text = req.form.get("texto", "").strip()[:4096]
    if not text:
        return None, {}, "Escriba un mensaje."
    return "text", {"body": text}, text


def _webhook(phone_number_id: str, number: str, kind: str, content: dict[str, Any]) -> bytes:
    message = {"from": number, "id": "wamid." + secrets.token_hex(16),
               "timestamp": str(int(datetime.now(UTC).timestamp())), "type": kind, kind: content}
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "543814000000", "phone_number_id": phone_number_id},
             "contacts": [{"profile": {"name": "Vecina de prueba"}, "wa_id": number}], "messages": [message]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [
        {"id": "0", "changes": [{"field": "messages", "value": value}]}]}, ensure_ascii=False).encode("utf-8")


def _readable(entry: dict[str, Any]) -> dict[str, Any]:
    """A kept message as the page shows it: text and the options a reply offers."""
    if entry["de"] == "vecino":
        return {"de": "Usted", "texto": entry["texto"], "opciones": [], "hora": entry["hora"]}
    body = entry["cuerpo"]
    kind = body.get("type")
    options: list[tuple[str, str]] = []
    if kind == "text":
        text = body["text"]["body"]
    elif kind == "interactive":
        text = body["interactive"]["body"]["text"]
        action = body["interactive"].get("action") or {}
        options = [(b["reply"]["id"], b["reply"]["title"]) for b in action.get("buttons") or []]
        options += [(r["id"], r["title"]) for s in action.get("sections") or [] for r in s.get("rows") or []]
    elif kind == "template":
        parameters = [p["text"] for c in body["template"].get("components") or [] for p in c.get("parameters") or []]
        text = f"[Plantilla {body['template']['name']}] " + " ".join(parameters)
    else:
        text = f"[{kind}]"
    return {"de": "Municipalidad", "texto": text, "opciones": options, "hora": entry["hora"]}


def _now() -> str:
    return datetime.now(UTC).strftime("%H:%M:%S UTC")


def _error(status: int, code: int, message: str) -> ResponseReturnValue:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "sandbox"}}, status
