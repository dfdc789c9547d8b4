"""The embedded default's WhatsApp sandbox: a demo phone in a page that talks to the platform as Meta would.

In ``make run`` there is no WhatsApp number; the sandbox at ``/_sandbox/whatsapp`` answers the
Cloud API calls of the ``notificar`` connector (in-process) and posts what the demo person writes
to ``/hooks/notificar`` signed with the instance's app secret. Here a person files a reclamo with
a location and a photo, and asks Migue, only through the page.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from engine.casefile import expediente
from engine.conversations.models import ConversationCase
from engine.db import db
from tests.fixtures.engine import GAF_SANDBOX, ApiClient, make_token
from tests.procedures.conftest import PNG_BYTES

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
PAGE = "/_sandbox/whatsapp/"


def sandboxed(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(**GAF_SANDBOX)
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    for key in ("reclamo", "habilitacion_comercial", "atencion_whatsapp"):
        assert api.deploy(PROCESSES / key).status_code in (200, 201)
    return app


def write(client: Any, **form: Any) -> str:
    sent = client.post(PAGE + "escribir", data={"telefono": "5493815550101", **form},
                       content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    return str(client.get(PAGE + "?telefono=5493815550101").get_data(as_text=True))


def test_a_reclamo_with_a_location_and_a_photo_and_a_question_from_the_demo_phone(
        make_app: Callable[..., Flask]) -> None:
    app = sandboxed(make_app)
    client = app.test_client()
    assert client.get(PAGE).status_code == 200
    assert "Arbolado" in write(client, texto="Quiero hacer un reclamo")
    assert "ubicación" in write(client, opcion="arbolado|Arbolado")
    assert "foto" in write(client, ubicacion="1", lat="-26.8303", lon="-65.2038", lugar="Plaza Independencia")
    assert "Describa" in write(client, foto=(io.BytesIO(PNG_BYTES), "arbol.png", "image/png"))
    assert "Omitir" in write(client, texto="Se cayó un árbol sobre la vereda de la plaza")
    done = write(client, opcion="omitir|Omitir")
    assert "Registramos su reclamo" in done
    with app.app_context():
        [link] = db.session.scalars(select(ConversationCase)).all()
        assert [d.content_type for d in expediente.documents(link.instance_id) if d.kind == "uploaded"] == ["image/png"]
    answer = write(client, texto="¿Qué necesito para habilitar un kiosco?")
    assert "Requisitos" in answer and "/guia/habilitacion_comercial" in answer


def test_the_sandbox_refuses_a_wrong_token_and_bad_photos(make_app: Callable[..., Flask]) -> None:
    app = sandboxed(make_app)
    client = app.test_client()
    refused = client.post(PAGE + "v21.0/100000000000001/messages", json={"to": "549", "type": "text"},
                          headers={"Authorization": "Bearer otro"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == 190
    bad = client.post(PAGE + "escribir", data={"foto": (io.BytesIO(b"no es una foto"), "x.txt", "text/plain")},
                      content_type="multipart/form-data")
    assert bad.status_code == 302 and "problema=" in bad.headers["Location"]


def test_no_sandbox_where_whatsapp_is_configured(make_app: Callable[..., Flask]) -> None:
    app = make_app(**GAF_SANDBOX, WHATSAPP_PHONE_NUMBER_ID="1", WHATSAPP_TOKEN="t", WHATSAPP_APP_SECRET="s")
    assert app.test_client().get(PAGE).status_code == 404


def test_without_the_handoff_procedure_deployed_the_person_gets_the_contact(make_app: Callable[..., Flask]) -> None:
    app = make_app(**GAF_SANDBOX, MIGUE_CONTACT="Atención al Vecino, 0800-555-0101")
    client = app.test_client()
    page = write(client, texto="Quiero hablar con una persona")
    assert "0800-555-0101" in page
    for answer in ("Quiero hacer un reclamo", "arbolado|Arbolado"):
        write(client, **({"opcion": answer} if "|" in answer else {"texto": answer}))
    write(client, ubicacion="1", lat="-26.8303", lon="-65.2038", lugar="Plaza")
    write(client, opcion="omitir|Omitir")
    write(client, texto="Se cayó un árbol sobre la vereda de la plaza")
    assert "Ahora no podemos recibir reclamos" in write(client, opcion="omitir|Omitir")
