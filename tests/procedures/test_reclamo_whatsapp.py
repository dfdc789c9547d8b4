"""Reclamos and Migue by WhatsApp, end to end over HTTP through the local Cloud-API stand-in.

No WhatsApp server is reachable here: ``tests/fixtures/cx_cloud_api.py`` plays Meta's side from
its documentation (the GET handshake, signed webhooks, media by id, statuses, the 24-hour window).
The platform is served on a loopback port; every message goes as Meta would send it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select

from engine.casefile import ratings
from engine.conversations.models import ConversationMessage
from engine.db import db
from engine.models import AuditEvent
from engine.workflow import instances
from engine.workflow.outbox import OutboxMessage
from tests.fixtures.cx_cloud_api import CloudApiStandIn, signed_header, whatsapp_settings
from tests.fixtures.identity import Web
from tests.procedures.conftest import PNG_BYTES, Case, Platform

PHONE = "5493815551234"
FALLEN_TREE = "Se cayó un árbol grande sobre la vereda y no se puede pasar"
PLAZA = {"latitude": -26.8303, "longitude": -65.2038, "name": "Plaza Independencia",
         "address": "24 de Septiembre 400"}


@pytest.fixture
def whatsapp(make_platform: Callable[..., Platform],
             whatsapp_cloud_api: tuple[CloudApiStandIn, str]) -> Iterator[tuple[Platform, CloudApiStandIn]]:
    stand_in, url = whatsapp_cloud_api
    platform = make_platform(**whatsapp_settings(url))
    stand_in.reset(callback=f"{platform.url}/hooks/notificar", now=platform.clock)
    for key in ("reclamo", "habilitacion_comercial", "atencion_whatsapp"):
        platform.deploy(key)
    yield platform, stand_in
    stand_in.reset()


def replies_after(stand_in: CloudApiStandIn, count: int) -> list[dict[str, Any]]:
    """The messages the platform sent after the first ``count``."""
    return stand_in.sent()[count:]


def said(message: dict[str, Any]) -> str:
    """What a sent message says, whatever its type."""
    if message["type"] == "text":
        return str(message["text"]["body"])
    if message["type"] == "interactive":
        return str(message["interactive"]["body"]["text"])
    if message["type"] == "template":
        return " ".join(p["text"] for c in message["template"].get("components", []) for p in c["parameters"])
    return ""


def write(stand_in: CloudApiStandIn, kind: str, content: dict[str, Any]) -> list[dict[str, Any]]:
    """The person writes; return the platform's replies to it."""
    before = len(stand_in.sent())
    answer = stand_in.write(PHONE, kind, content)
    assert answer.status_code == 202, answer.text[:500]
    return replies_after(stand_in, before)


def choose(option: str, title: str, kind: str = "list_reply") -> tuple[str, dict[str, Any]]:
    return "interactive", {"type": kind, kind: {"id": option, "title": title}}


def file_fallen_tree(stand_in: CloudApiStandIn) -> str:
    """The guided reclamo of the Done-when scenario; return the platform's last reply."""
    [categories] = write(stand_in, "text", {"body": "Hola, quiero hacer un reclamo"})
    assert categories["type"] == "interactive" and categories["interactive"]["type"] == "list"
    rows = categories["interactive"]["action"]["sections"][0]["rows"]
    assert "arbolado" in [r["id"] for r in rows]
    [place] = write(stand_in, *choose("arbolado", "Arbolado"))
    assert "ubicación" in said(place)
    [photo] = write(stand_in, "location", PLAZA)
    assert "foto" in said(photo)
    media_id = stand_in.add_media(PNG_BYTES, "image/png")
    [description] = write(stand_in, "image", {"id": media_id, "mime_type": "image/png"})
    assert "Describa" in said(description)
    [contact] = write(stand_in, "text", {"body": FALLEN_TREE})
    assert contact["interactive"]["type"] == "button"
    [done] = write(stand_in, *choose("omitir", "Omitir", "button_reply"))
    return said(done)


def the_case(platform: Platform, number: str) -> Case:
    found = platform.api.get("/api/v1/instances?process_key=reclamo&per_page=50").get_json()["items"]
    [item] = [i for i in found if i["number"] == number]
    return Case(platform, item["id"], number)


def test_a_fallen_tree_by_whatsapp_is_filed_answered_rated_and_migue_answers_after(
        whatsapp: tuple[Platform, CloudApiStandIn], caplog: pytest.LogCaptureFixture) -> None:
    platform, stand_in = whatsapp
    caplog.set_level(logging.DEBUG)
    assert stand_in.subscribe(f"{platform.url}/hooks/notificar"), "the GET handshake failed"
    done = file_fallen_tree(stand_in)
    number = next(w.strip(".,:") for w in done.split() if w.strip(".,:").endswith("-SMT-REC"))
    assert "código de seguimiento" in done
    case = the_case(platform, number)
    data = case.data
    assert data["canal"] == "whatsapp" and data["categoria"] == "arbolado" and data["descripcion"] == FALLEN_TREE
    assert data["ubicacion"] == {"lat": -26.8303, "lon": -65.2038} and data["contacto"]["telefono"] == "+" + PHONE
    assert [d.content_type for d in case.documents() if d.kind == "uploaded"] == ["image/png"]
    assert case.ready() == ["resolver_arbolado"]

    # staff resolve it two days later: the answer goes as the approved template (the window closed)
    platform.clock.now += timedelta(days=2)
    case.complete("resolver_arbolado", {"resultado": "resuelto", "respuesta": "Retiramos el árbol el martes."})
    before = len(stand_in.sent())
    platform.advance(timedelta(minutes=1))
    [pushed] = replies_after(stand_in, before)
    assert pushed["type"] == "template" and pushed["template"]["name"] == "aviso_municipal"
    assert number in said(pushed) and "Retiramos el árbol el martes." in said(pushed) and "calificar" in said(pushed)
    assert platform.advance(timedelta(minutes=1)) == 0 or not replies_after(stand_in, before + 1)  # pushed once

    # the person rates it from the phone; the window is open again, so the thanks go as text
    [thanks] = write(stand_in, "text", {"body": "5"})
    assert thanks["type"] == "text" and "Gracias" in said(thanks)
    with platform.app.app_context():
        rating = ratings.rating_of(instances.get(case.id))
    assert rating is not None and rating.score == 5

    # «¿cómo va mi reclamo?» from the same phone answers the state
    [state] = write(stand_in, "text", {"body": "¿Cómo va mi reclamo?"})
    assert number in said(state) and "resuelto" in said(state)

    # and with the tracking code, from any phone
    code = next(w.strip(".,:") for w in done.split() if w.count("-") == 2 and len(w.strip(".,:")) == 14)
    stand_in.last_inbound["5493815550000"] = platform.clock.now
    before = len(stand_in.sent())
    assert stand_in.write("5493815550000", "text", {"body": f"Hola, ¿cómo va el reclamo {code}?"}).status_code == 202
    [by_code] = replies_after(stand_in, before)
    assert number in said(by_code) and f"/seguimiento/{code.replace('-', '')}" in said(by_code)

    # the same person asks Migue: the business licence's requirements, with the guide's link
    [licence] = write(stand_in, "text", {"body": "¿Qué necesito para habilitar un kiosco?"})
    text = said(licence)
    assert "Habilitación" in text and "Requisitos" in text
    assert f"{platform.url}/guia/habilitacion_comercial" in text

    # statuses come back signed and are recorded on each reply (sent, then delivered)
    assert _eventually(lambda: _statuses(platform) and set(_statuses(platform)) <= {"delivered", "read"})
    # no message content in the logs (the platform's, the stand-in's, the web server's)
    for secret in (FALLEN_TREE, "Retiramos el árbol", "habilitar un kiosco", PHONE, "Raúl"):
        assert secret not in caplog.text


def test_a_person_on_request_gets_the_inbox_task_with_the_transcript_and_the_reply_reaches_the_phone(
        whatsapp: tuple[Platform, CloudApiStandIn]) -> None:
    platform, stand_in = whatsapp
    write(stand_in, "text", {"body": "Hola, hay un cable cortado en mi cuadra"})
    [waiting] = write(stand_in, "text", {"body": "Quiero hablar con una persona"})
    assert "Atención al Vecino" in said(waiting)
    assert write(stand_in, "text", {"body": "Es en Laprida 500"}) == []  # the person reads it, not Migue
    found = platform.api.get("/api/v1/instances?process_key=atencion_whatsapp").get_json()["items"]
    [item] = found
    case = Case(platform, item["id"], item["number"])
    task = case.task("atender")
    assert task["candidate_group"] == "atencion_vecino"
    transcript = case.data["transcripcion"]
    assert [t["texto"] for t in transcript if t["de"] == "Vecino/a"][:2] == [
        "Hola, hay un cable cortado en mi cuadra", "Quiero hablar con una persona"]

    # Atención al Vecino reads the whole conversation on the task page's panel; auditors and other staff do not
    platform.seed_demo_users("atencion", "auditor", "mesa")
    panel = _staff_get(platform, "atencion", f"/bandeja/conversaciones/{case.number}")
    assert panel.status_code == 200
    html = panel.get_data(as_text=True)
    for line in ("Hola, hay un cable cortado en mi cuadra", "Quiero hablar con una persona", "Es en Laprida 500"):
        assert line in html
    assert _staff_get(platform, "auditor", f"/bandeja/conversaciones/{case.number}").status_code == 403
    assert _staff_get(platform, "mesa", f"/bandeja/conversaciones/{case.number}").status_code == 404
    task_page = _staff_get(platform, "atencion", f"/bandeja/tareas/{task['id']}").get_data(as_text=True)
    assert f"/bandeja/conversaciones/{case.number}" in task_page

    before = len(stand_in.sent())
    case.complete("atender", {"respuesta": "Gracias, mandamos una cuadrilla a Laprida 500 hoy."})
    [reply] = replies_after(stand_in, before)
    assert reply["type"] == "text" and reply["to"] == PHONE
    assert said(reply) == "Gracias, mandamos una cuadrilla a Laprida 500 hoy."
    assert case.status == "completed"
    # the conversation is Migue's again
    [menu] = write(stand_in, "text", {"body": "hola"})
    assert "Migue" in said(menu)


def test_a_repeated_delivery_is_answered_once_and_a_bad_signature_is_refused(
        whatsapp: tuple[Platform, CloudApiStandIn]) -> None:
    platform, stand_in = whatsapp
    body = (b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":'
            b'{"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},"messages":'
            b'[{"from":"5493815550000","id":"wamid.UNO","timestamp":"%d","type":"text","text":{"body":"hola"}}]}}]}]}'
            % int(platform.clock.now.timestamp()))
    url = f"{platform.url}/hooks/notificar"
    stand_in.last_inbound["5493815550000"] = platform.clock.now  # the stand-in delivers it: the window opens
    headers = {"Content-Type": "application/json"}
    for _ in range(2):
        assert requests.post(url, data=body, headers={**headers, **signed_header(body)}, timeout=30).status_code == 202
    assert len([m for m in stand_in.sent() if m["to"] == "5493815550000"]) == 1
    refused = requests.post(url, data=body, headers={**headers, **signed_header(body, "otro")}, timeout=30)
    assert refused.status_code == 400 and "firma" in refused.json()["detail"]
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def _staff_get(platform: Platform, username: str, path: str) -> Any:
    web = Web(platform.app.test_client())
    web.sign_in(username, f"demo-{username}")
    return web.client.get(path)


def _statuses(platform: Platform) -> list[str]:
    with platform.app.app_context():
        return [str(s) for s in db.session.scalars(select(ConversationMessage.status)
                                                   .where(ConversationMessage.direction == "out"))]


def _eventually(check: Callable[[], Any], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False



def test_a_staff_reply_after_the_window_goes_as_the_template_and_old_conversations_are_forgotten(
        whatsapp: tuple[Platform, CloudApiStandIn]) -> None:
    platform, stand_in = whatsapp
    write(stand_in, "text", {"body": "Necesito hablar con alguien de la muni"})
    [item] = platform.api.get("/api/v1/instances?process_key=atencion_whatsapp").get_json()["items"]
    case = Case(platform, item["id"], item["number"])
    platform.clock.now += timedelta(hours=30)  # staff answer the next day: the window closed
    before = len(stand_in.sent())
    case.complete("atender", {"respuesta": "Disculpe la demora, ¿sigue necesitando ayuda?"})
    [reply] = replies_after(stand_in, before)
    assert reply["type"] == "template" and said(reply) == "Disculpe la demora, ¿sigue necesitando ayuda?"
    assert case.incidents() == []

    # idle past CONVERSATION_RETENTION_DAYS (180 by default), the conversation and its messages go
    platform.advance(timedelta(days=181))
    with platform.app.app_context():
        assert db.session.scalar(select(ConversationMessage.id)) is None
        replies = select(OutboxMessage.id).where(OutboxMessage.operation == "notificar/whatsapp")
        assert db.session.scalar(replies) is None
    assert case.status == "completed"  # the case keeps what it was given, under its records rules
    assert any(e["type"] == "conversations_forgotten" for e in _system_events(platform))


def _system_events(platform: Platform) -> list[dict[str, Any]]:
    """The audit events of no case (the retention's count, for one)."""
    with platform.app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id.is_(None)))
        return [{"type": e.type} for e in found]
