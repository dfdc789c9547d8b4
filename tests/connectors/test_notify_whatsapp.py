"""WhatsApp Business Cloud API: outbound client against a local stand-in, inbound webhook, handshake.

No WhatsApp server is reachable here, so the peer is a local HTTP server (werkzeug, in a
thread) that speaks the Cloud API's documented shapes: it accepts only
``POST /v21.0/{phone-number-id}/messages`` with ``Authorization: Bearer <token>`` and a
``messaging_product: whatsapp`` body of type ``text`` or ``template``, answers
``{"messaging_product", "contacts", "messages": [{"id": "wamid…"}]}``, and refuses with
the documented ``{"error": {"message", "type", "code", "fbtrace_id"}}`` shape (190 for a
bad token, 100 for a bad parameter). It is a stand-in written from the documentation, not
Meta's server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from connectors.base import ConnectorContext, PermanentError, TemporaryError
from connectors.notify import NotifyConnector
from connectors.notify.errors import ConfigurationError, PayloadError, SignatureError
from tests.fixtures.cx_cloud_api import APP_SECRET, PHONE_ID, TOKEN, VERIFY_TOKEN, CloudApiStandIn
from tests.fixtures.require import free_port


@pytest.fixture
def cloud_api(whatsapp_cloud_api: tuple[CloudApiStandIn, str]) -> tuple[CloudApiStandIn, str]:
    return whatsapp_cloud_api


@pytest.fixture
def peer(cloud_api: tuple[CloudApiStandIn, str]) -> CloudApiStandIn:
    app, _ = cloud_api
    app.requests.clear()
    app.scripted.clear()
    return app


@pytest.fixture
def connector(cloud_api: tuple[CloudApiStandIn, str]) -> NotifyConnector:
    _, url = cloud_api
    return NotifyConnector({"WHATSAPP_API_URL": url, "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID, "WHATSAPP_TOKEN": TOKEN,
                            "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN})


def send(connector: NotifyConnector, params: dict[str, Any], **config: Any) -> dict[str, Any]:
    return connector.whatsapp(params, ConnectorContext(config=config))


# --- outbound ------------------------------------------------------------------------------


def test_text_message_has_the_documented_shape(connector: NotifyConnector, peer: CloudApiStandIn) -> None:
    result = send(connector, {"para": "+5493815551234", "texto": "Su reclamo N.º 123 fue recibido. ¡Gracias!"})
    assert result["enviado"] is True and result["message_id"].startswith("wamid.")
    [request] = peer.requests
    assert request["path"] == f"/v21.0/{PHONE_ID}/messages"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["json"] == {"messaging_product": "whatsapp", "recipient_type": "individual",
                               "to": "+5493815551234", "type": "text",
                               "text": {"preview_url": False, "body": "Su reclamo N.º 123 fue recibido. ¡Gracias!"}}


def test_template_message_with_parameters(connector: NotifyConnector, peer: CloudApiStandIn) -> None:
    send(connector, {"para": "5493815551234",
                     "plantilla": {"nombre": "reclamo_recibido", "parametros": ["123", "Alumbrado"]}})
    template = peer.requests[0]["json"]["template"]
    assert template == {"name": "reclamo_recibido", "language": {"code": "es_AR"},
                        "components": [{"type": "body", "parameters": [{"type": "text", "text": "123"},
                                                                        {"type": "text", "text": "Alumbrado"}]}]}


def test_bad_token_is_permanent(connector: NotifyConnector, peer: CloudApiStandIn) -> None:
    with pytest.raises(PermanentError, match="WHATSAPP_TOKEN") as caught:
        send(connector, {"para": "5493815551234", "texto": "hola"}, WHATSAPP_TOKEN="vencido")
    assert not caught.value.temporary and caught.value.detail["code"] == 190
    assert "vencido" not in repr(caught.value.detail)


def test_wrong_phone_number_id_is_permanent(connector: NotifyConnector, peer: CloudApiStandIn) -> None:
    with pytest.raises(PermanentError, match="HTTP 400, código 100"):
        send(connector, {"para": "5493815551234", "texto": "hola"}, WHATSAPP_PHONE_NUMBER_ID="999")


@pytest.mark.parametrize(
    ("status", "code", "temporary"),
    [(400, 100, False), (401, 190, False), (403, 10, False), (429, 4, True), (500, 1, True), (503, 2, True),
     (400, 130429, True), (400, 131056, True), (400, 131026, False)],
)
def test_error_answers_are_mapped(
    connector: NotifyConnector, peer: CloudApiStandIn, status: int, code: int, temporary: bool
) -> None:
    peer.scripted.append((status, {"error": {"message": f"(#{code}) error", "type": "OAuthException",
                                             "code": code, "fbtrace_id": "Xy"}}))
    with pytest.raises(PermanentError if not temporary else TemporaryError) as caught:
        send(connector, {"para": "5493815551234", "texto": "hola"})
    assert caught.value.temporary is temporary
    assert caught.value.detail["fbtrace_id"] == "Xy"


def test_unexpected_answers(connector: NotifyConnector, peer: CloudApiStandIn) -> None:
    peer.scripted.append((200, {"messaging_product": "whatsapp"}))
    with pytest.raises(PermanentError, match="sin identificador"):
        send(connector, {"para": "5493815551234", "texto": "hola"})
    peer.scripted.append((502, "<html>Bad gateway</html>"))
    with pytest.raises(TemporaryError, match="HTTP 502"):
        send(connector, {"para": "5493815551234", "texto": "hola"})


def test_peer_down_is_temporary(connector: NotifyConnector) -> None:
    with pytest.raises(TemporaryError, match="No se pudo conectar"):
        send(connector, {"para": "5493815551234", "texto": "hola"},
             WHATSAPP_API_URL=f"http://127.0.0.1:{free_port()}/v21.0")


def test_missing_settings_and_secrets_in_repr() -> None:
    with pytest.raises(ConfigurationError, match="WHATSAPP_TOKEN"):
        NotifyConnector({"WHATSAPP_PHONE_NUMBER_ID": PHONE_ID}).whatsapp({"para": "5493815551234", "texto": "x"},
                                                                        ConnectorContext())
    shown = repr(NotifyConnector({"WHATSAPP_TOKEN": TOKEN, "WHATSAPP_APP_SECRET": APP_SECRET}))
    assert TOKEN not in shown and APP_SECRET not in shown


# --- inbound webhook -----------------------------------------------------------------------


def webhook(*messages: dict[str, Any], phone_number_id: str = PHONE_ID, **value: Any) -> bytes:
    """A webhook body in the documented shape, with the given messages from one citizen."""
    return json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "543814000000", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": "Raúl Ibáñez"}, "wa_id": "5493815551234"}],
            "messages": list(messages), **value}}]}],
    }, ensure_ascii=False).encode("utf-8")


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def inbound(kind: str, content: dict[str, Any], wamid: str = "wamid.IN1") -> dict[str, Any]:
    return {"from": "5493815551234", "id": wamid, "timestamp": "1764000000", "type": kind, kind: content}


def test_signed_text_message_becomes_a_conversation_notice(connector: NotifyConnector) -> None:
    body = webhook(inbound("text", {"body": "Hay un poste de luz caído en 24 de Septiembre 400"}))
    [message] = connector.parse_webhook({"x-hub-signature-256": signed(body)["X-Hub-Signature-256"]}, body)
    assert message == {
        "kind": "conversation",
        "channel": "whatsapp",
        "message_id": "wamid.IN1",
        "data": {"telefono": "5493815551234", "nombre": "Raúl Ibáñez", "tipo": "text",
                 "texto": "Hay un poste de luz caído en 24 de Septiembre 400",
                 "recibido": "2025-11-24T16:00:00+00:00"},
    }


def test_location_media_and_replies(connector: NotifyConnector) -> None:
    body = webhook(
        inbound("location", {"latitude": -26.8303, "longitude": -65.2038, "name": "Plaza Independencia"}, "wamid.A"),
        inbound("image", {"id": "MEDIA1", "mime_type": "image/jpeg", "caption": "Bache"}, "wamid.B"),
        inbound("interactive", {"type": "button_reply", "button_reply": {"id": "si", "title": "Sí"}}, "wamid.C"),
        inbound("button", {"payload": "CONFIRMAR", "text": "Confirmar"}, "wamid.D"),
    )
    found = {m["message_id"]: m["data"] for m in connector.parse_webhook(signed(body), body)}
    assert found["wamid.A"]["ubicacion"] == {"lat": -26.8303, "lon": -65.2038, "nombre": "Plaza Independencia",
                                             "direccion": None}
    assert found["wamid.B"]["adjunto"]["id"] == "MEDIA1" and found["wamid.B"]["texto"] == "Bache"
    assert found["wamid.C"]["respuesta"] == {"id": "si", "titulo": "Sí"}
    assert found["wamid.D"]["respuesta"] == {"id": "CONFIRMAR", "titulo": "Confirmar"}


def test_statuses_become_status_notices_and_other_numbers_yield_nothing(connector: NotifyConnector) -> None:
    statuses = webhook(statuses=[
        {"id": "wamid.OUT", "status": "delivered", "timestamp": "1764000000", "recipient_id": "5493815551234",
         "biz_opaque_callback_data": "conv-7"},
        {"id": "wamid.OUT2", "status": "failed", "timestamp": "1764000000", "recipient_id": "5493815551234",
         "errors": [{"code": 131047, "title": "Re-engagement message"}]},
        {"id": "wamid.OUT3", "status": "deleted", "timestamp": "1764000000"}])
    assert connector.parse_webhook(signed(statuses), statuses) == [
        {"kind": "status", "channel": "whatsapp", "message_id": "wamid.OUT",
         "data": {"estado": "delivered", "fecha": "2025-11-24T16:00:00+00:00", "referencia": "conv-7", "error": None}},
        {"kind": "status", "channel": "whatsapp", "message_id": "wamid.OUT2",
         "data": {"estado": "failed", "fecha": "2025-11-24T16:00:00+00:00", "referencia": None,
                  "error": {"codigo": 131047, "titulo": "Re-engagement message"}}}]
    other = webhook(inbound("text", {"body": "hola"}), phone_number_id="555")
    assert connector.parse_webhook(signed(other), other) == []


def test_bad_or_missing_signature_is_refused(connector: NotifyConnector) -> None:
    body = webhook(inbound("text", {"body": "hola"}))
    for headers in ({}, signed(body, "otro-secreto"), signed(body + b" "), {"X-Hub-Signature-256": "sha256="}):
        with pytest.raises(SignatureError) as caught:
            connector.parse_webhook(headers, body)
        assert caught.value.status == 403
    tampered = body.replace(b"hola", b"chau")
    with pytest.raises(SignatureError):
        connector.parse_webhook(signed(body), tampered)


def test_signed_garbage_is_a_payload_error(connector: NotifyConnector) -> None:
    empty_message = json.dumps({"entry": [{"changes": [{"value": {"messages": [{}]}}]}]}).encode()
    for body in (b"not json", b"[1, 2]", empty_message):
        with pytest.raises(PayloadError) as caught:
            connector.parse_webhook(signed(body), body)
        assert caught.value.status == 400


def test_webhook_without_app_secret_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="WHATSAPP_APP_SECRET"):
        NotifyConnector({}).parse_webhook({}, b"{}")


def test_verification_handshake(connector: NotifyConnector) -> None:
    good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    assert connector.verify_subscription(good) == "1158201444"
    for bad in ({**good, "hub.verify_token": "otro"}, {**good, "hub.mode": "unsubscribe"},
                {k: v for k, v in good.items() if k != "hub.challenge"}, {}):
        with pytest.raises(SignatureError):
            connector.verify_subscription(bad)
    with pytest.raises(SignatureError):
        NotifyConnector({}).verify_subscription({**good, "hub.verify_token": ""})
