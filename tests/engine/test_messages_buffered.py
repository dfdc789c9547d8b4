"""Standard BPMN correlation (retrieval expressions on the waiting case's data), messages kept
with a time-to-live until their case waits for them, and the deploy warning for a catch event
that would accept any message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent
from tests.engine.test_constructs_common import Case, with_clock
from tests.fixtures.engine import ApiClient
from tests.fixtures.timing import in_parallel


def _send(api: ApiClient, number: str, resultado: str, **extra: Any) -> Any:
    return api.post("/api/v1/messages/dictamen_externo",
                    json={"correlation": {"expediente": number}, "data": {"resultado": resultado}, **extra})


def _kept(api: ApiClient, status: str = "all") -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/messages?name=dictamen_externo&status={status}")
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def _waiting(api: ApiClient) -> tuple[Case, Case]:
    first = Case.start(api, "msg_expresion")
    second = Case.start(api, "msg_expresion")
    first.complete("preparar")
    second.complete("preparar")
    assert first.status == second.status == "waiting"
    return first, second


def test_retrieval_expressions_index_the_waiting_case_values(api: ApiClient) -> None:
    first, second = _waiting(api)
    number = second.detail["number"]
    assert second.detail["subscriptions"] == [{"message_name": "dictamen_externo",
                                               "correlation": {"expediente": number}}]
    response = _send(api, number, "favorable")
    assert response.status_code == 202, response.get_json()
    assert [i["id"] for i in response.get_json()["instances"]] == [second.id]
    assert second.status == "completed" and second.data["resultado"] == "favorable"
    assert first.status == "waiting" and first.path() == ["inicio", "preparar"]


def test_a_message_without_correlation_values_reaches_no_case_that_correlates(api: ApiClient) -> None:
    first, second = _waiting(api)
    response = api.post("/api/v1/messages/dictamen_externo", json={"data": {"resultado": "favorable"}})
    assert response.status_code == 404
    assert first.status == second.status == "waiting"


def test_a_message_sent_early_is_kept_and_delivered_when_the_case_waits(api: ApiClient) -> None:
    case = Case.start(api, "msg_expresion")
    number = case.detail["number"]
    assert _send(api, number, "antes").status_code == 404  # without a ttl nothing changes
    response = _send(api, number, "favorable", ttl="P2D", message_id="dict-1")
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["instances"] == [] and body["started"] is False
    kept_id = body["buffered"]["id"]
    [pending] = _kept(api, "pending")
    assert pending["id"] == kept_id and pending["sender"].startswith("api:")
    assert (datetime.fromisoformat(body["buffered"]["expires_at"])
            - datetime.fromisoformat(pending["received_at"])) == timedelta(days=2)
    case.complete("preparar")
    assert case.status == "completed"
    assert case.path() == ["inicio", "preparar", "esperar_dictamen", "registrar", "fin"]
    assert case.data["resultado"] == "favorable"
    [kept] = _kept(api)
    assert kept["instance_id"] == case.id and kept["delivered_at"] is not None
    received = [e for e in case.events() if e["type"] == "message_received"]
    assert received[0]["data"]["buffered"] == kept_id
    # a repeat of the kept message answers the first answer and is neither kept nor delivered again
    again = _send(api, number, "favorable", ttl="P2D", message_id="dict-1")
    assert again.status_code == 202 and again.get_json() == body
    assert len(_kept(api)) == 1
    assert [e["type"] for e in case.events()].count("message_received") == 1


def test_kept_messages_reach_their_own_case_oldest_first_and_only_once(api: ApiClient) -> None:
    first = Case.start(api, "msg_expresion")
    second = Case.start(api, "msg_expresion")
    for number, resultado in ((second.detail["number"], "segundo"), (first.detail["number"], "primero"),
                              (first.detail["number"], "repetido")):
        assert _send(api, number, resultado, ttl=3600).status_code == 202
    first.complete("preparar")
    assert first.data["resultado"] == "primero"
    assert len(_kept(api, "pending")) == 2  # the second message for the first case stays kept
    second.complete("preparar")
    assert second.data["resultado"] == "segundo"
    assert [m["correlation"]["expediente"] for m in _kept(api, "pending")] == [first.detail["number"]]


def test_an_expired_message_is_not_delivered_and_is_swept(app: Flask, api: ApiClient) -> None:
    clock = with_clock(app)
    case = Case.start(api, "msg_expresion", clock=clock)
    assert _send(api, case.detail["number"], "tarde", ttl="PT1H").status_code == 202
    case.advance(app, timedelta(hours=2))
    assert _kept(api) == []
    with app.app_context():
        expired = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "message_expired")).all()
        assert [e.data["name"] for e in expired] == ["dictamen_externo"]
    case.complete("preparar")
    assert case.status == "waiting" and case.path() == ["inicio", "preparar"]


def test_an_expired_message_is_not_delivered_before_the_sweep(app: Flask, api: ApiClient) -> None:
    clock = with_clock(app)
    case = Case.start(api, "msg_expresion", clock=clock)
    assert _send(api, case.detail["number"], "tarde", ttl=60).status_code == 202
    clock.now += timedelta(minutes=2)
    case.complete("preparar")
    assert case.status == "waiting"
    assert [m["delivered_at"] for m in _kept(api)] == [None]


def test_a_message_kept_while_the_case_subscribed_is_delivered_by_the_background_pass(
        app: Flask, api: ApiClient) -> None:
    from engine.uow import unit_of_work
    from engine.workflow import buffer

    clock = with_clock(app)
    case = Case.start(api, "msg_expresion", clock=clock)
    case.complete("preparar")
    # as if another worker kept it while this case's step was subscribing (neither saw the other)
    with app.app_context(), unit_of_work():
        buffer.keep("dictamen_externo", {"expediente": case.detail["number"]}, {"resultado": "tardío"},
                    None, "api:gaf", clock.now, timedelta(hours=1))
    assert case.status == "waiting"
    assert case.advance(app, timedelta(seconds=1)) >= 1
    assert case.status == "completed" and case.data["resultado"] == "tardío"


def test_ttl_is_bounded_and_explained(api: ApiClient) -> None:
    for ttl in ("P31D", 0, "mañana", "P1Y", -5, "P99999999999D", 10**30, "9" * 40):  # huge: 422, not 500
        response = _send(api, "X-1", "x", ttl=ttl)
        assert response.status_code == 422, (ttl, response.get_json())
        assert "ttl" in str(response.get_json())


def test_a_catch_event_without_correlation_is_warned_at_deploy(api: ApiClient) -> None:
    response = api.deploy("msg_sin_correlacion")
    assert response.status_code == 201, response.get_json()
    warnings = response.get_json()["warnings"]
    assert [(w["file"], w["element"]) for w in warnings] == [("msg_sin_correlacion.bpmn", "esperar_aviso")]
    assert "aviso_general" in warnings[0]["message"] and "sin correlación" in warnings[0]["message"]
    correlated = api.deploy("msg_expresion")
    assert correlated.status_code == 201 and correlated.get_json()["warnings"] == []


def test_one_kept_message_reaches_one_of_two_cases_that_wait_for_it_at_once(api: ApiClient) -> None:
    assert api.deploy("msg_sin_correlacion").status_code == 201
    kept = api.post("/api/v1/messages/aviso_general", json={"data": {"texto": "corte de calle"}, "ttl": 600})
    assert kept.status_code == 202 and kept.get_json()["buffered"] is not None, kept.get_json()

    responses = in_parallel(2, lambda i: api.start("msg_sin_correlacion", {}))

    assert [r.status_code for r in responses] == [201, 201], [r.get_json() for r in responses]
    statuses = sorted(api.instance(r.get_json()["id"])["status"] for r in responses)
    assert statuses == ["completed", "waiting"]
    [message] = api.get("/api/v1/messages?name=aviso_general&status=all").get_json()["items"]
    assert message["instance_id"] in [r.get_json()["id"] for r in responses]


def test_a_kept_message_is_claimed_once_and_a_release_frees_it(app: Flask) -> None:
    from engine.uow import unit_of_work
    from engine.workflow import buffer

    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    with app.app_context(), unit_of_work():
        message = buffer.keep("aviso_general", {}, {}, None, "api:prueba", now, timedelta(minutes=5))
        assert buffer.pending("aviso_general", "{}", now) == [message]
        assert buffer.claim(message, "caso-1", now) is True
        assert buffer.claim(message, "caso-2", now) is False  # what a second worker sees
        assert message.instance_id == "caso-1" and buffer.pending("aviso_general", "{}", now) == []
        buffer.release(message)
        assert message.delivered_at is None and buffer.pending("aviso_general", "{}", now) == [message]
        assert buffer.pending("aviso_general", "{}", now + timedelta(minutes=5)) == []  # expired


def test_a_boundary_event_correlated_by_expression_interrupts_only_its_own_case(api: ApiClient) -> None:
    first = Case.start(api, "msg_expresion_borde")
    second = Case.start(api, "msg_expresion_borde")
    number = second.detail["number"]
    assert second.detail["subscriptions"] == [{"message_name": "retiro_solicitud",
                                               "correlation": {"expediente": number}}]
    response = api.post("/api/v1/messages/retiro_solicitud", json={"correlation": {"expediente": number}})
    assert response.status_code == 202, response.get_json()
    assert [i["id"] for i in response.get_json()["instances"]] == [second.id]
    assert second.status == "completed" and second.path()[-2:] == ["retirada", "fin_retirada"]
    assert first.ready() == ["revisar"]
