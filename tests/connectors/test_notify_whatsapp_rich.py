"""WhatsApp Cloud API: reply buttons, lists, media messages and inbound media by id, against the local stand-in.

The stand-in (``tests/fixtures/cx_cloud_api.py``) speaks the Cloud API's documented shapes, written
from Meta's documentation: no WhatsApp server is reachable here. It checks the bearer token on every
request, the interactive limits (3 buttons of 20 characters, 10 rows of 24) and serves media by id.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from connectors.base import ConnectorContext, PermanentError
from connectors.notify import NotifyConnector
from connectors.registry import ConnectorRegistry
from tests.fixtures.cx_cloud_api import PHONE_ID, CloudApiStandIn, whatsapp_settings

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


@pytest.fixture
def peer(whatsapp_cloud_api: tuple[CloudApiStandIn, str]) -> tuple[CloudApiStandIn, NotifyConnector]:
    stand_in, url = whatsapp_cloud_api
    stand_in.reset()
    return stand_in, NotifyConnector(whatsapp_settings(url))


def send(connector: NotifyConnector, params: dict[str, Any]) -> dict[str, Any]:
    return connector.whatsapp(params, ConnectorContext())


def test_reply_buttons_and_lists_have_the_documented_shape(peer: tuple[CloudApiStandIn, NotifyConnector]) -> None:
    stand_in, connector = peer
    send(connector, {"para": "5493815551234", "texto": "¿Tiene una foto?", "referencia": "conv-1",
                     "botones": [{"id": "omitir", "titulo": "Sin foto"}]})
    send(connector, {"para": "5493815551234", "texto": "¿Qué tipo de problema?",
                     "lista": {"boton": "Elegir", "opciones": [{"id": "arbolado", "titulo": "Arbolado",
                                                                "descripcion": "Árboles caídos"}]}})
    buttons, listing = stand_in.sent()
    assert buttons["type"] == "interactive" and buttons["biz_opaque_callback_data"] == "conv-1"
    assert buttons["interactive"] == {"type": "button", "body": {"text": "¿Tiene una foto?"}, "action": {
        "buttons": [{"type": "reply", "reply": {"id": "omitir", "title": "Sin foto"}}]}}
    assert listing["interactive"]["action"] == {"button": "Elegir", "sections": [{"title": "Elegir", "rows": [
        {"id": "arbolado", "title": "Arbolado", "description": "Árboles caídos"}]}]}
    assert [r["path"] for r in stand_in.requests] == [f"/v21.0/{PHONE_ID}/messages"] * 2


def test_a_media_message_by_link(peer: tuple[CloudApiStandIn, NotifyConnector]) -> None:
    stand_in, connector = peer
    send(connector, {"para": "5493815551234", "medio": {"tipo": "document", "enlace": "https://smt.gob.ar/c.pdf",
                                                        "texto": "Constancia"}})
    [sent] = stand_in.sent()
    assert sent["type"] == "document" and sent["document"] == {"link": "https://smt.gob.ar/c.pdf",
                                                               "caption": "Constancia"}


def test_the_registry_refuses_buttons_with_a_template_or_too_many(
        whatsapp_cloud_api: tuple[CloudApiStandIn, str]) -> None:
    registry = ConnectorRegistry()
    registry.register(NotifyConnector, whatsapp_settings(whatsapp_cloud_api[1]))
    four = [{"id": str(i), "titulo": "x"} for i in range(4)]
    for params in ({"para": "5493815551234", "texto": "a", "botones": four},
                   {"para": "5493815551234", "plantilla": {"nombre": "aviso"}, "botones": four[:1]},
                   {"para": "5493815551234", "medio": {"tipo": "image", "enlace": "http://inseguro"}}):
        with pytest.raises(PermanentError):
            registry.check_params("notificar/whatsapp", params)


def test_inbound_media_is_fetched_by_id_with_the_token(peer: tuple[CloudApiStandIn, NotifyConnector]) -> None:
    stand_in, connector = peer
    media_id = stand_in.add_media(PNG, "image/png")
    found = connector.whatsapp_medio({"id": media_id}, ConnectorContext())
    assert base64.b64decode(found["contenido"]) == PNG and found == {**found, "mime_type": "image/png",
                                                                      "tamano": len(PNG)}
    assert [r["path"] for r in stand_in.requests] == [f"/v21.0/{media_id}", f"/media/{media_id}"]
    assert all(r["headers"]["Authorization"].startswith("Bearer ") for r in stand_in.requests)
    with pytest.raises(PermanentError):
        connector.whatsapp_medio({"id": "999"}, ConnectorContext())
