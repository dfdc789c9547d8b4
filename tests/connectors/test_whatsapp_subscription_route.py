"""``GET /hooks/<connector>``: the Cloud API's subscription handshake reaches the connector over HTTP.

Meta confirms a webhook URL with a ``GET`` carrying ``hub.mode``, ``hub.verify_token`` and
``hub.challenge`` before it sends any ``POST``; without this route a real subscription could not
be set up. The request shapes are the documented ones (no Meta server is reachable here).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from tests.fixtures.cx_cloud_api import VERIFY_TOKEN, whatsapp_settings

GOOD = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}


def test_the_handshake_answers_the_challenge_as_plain_text(make_app: Callable[..., Flask]) -> None:
    client = make_app(**whatsapp_settings("http://127.0.0.1:9/v21.0")).test_client()
    answer = client.get("/hooks/notificar", query_string=GOOD)
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == "1158201444"
    assert answer.mimetype == "text/plain"


def test_a_wrong_token_or_mode_is_refused_with_a_problem(make_app: Callable[..., Flask]) -> None:
    client = make_app(**whatsapp_settings("http://127.0.0.1:9/v21.0")).test_client()
    for bad in ({**GOOD, "hub.verify_token": "otro"}, {**GOOD, "hub.mode": "unsubscribe"}, {}):
        answer = client.get("/hooks/notificar", query_string=bad)
        assert answer.status_code == 403
        assert answer.mimetype == "application/problem+json"
        assert "1158201444" not in answer.get_data(as_text=True)


def test_connectors_without_a_handshake_and_unknown_ones_say_so(make_app: Callable[..., Flask]) -> None:
    client = make_app(**whatsapp_settings("http://127.0.0.1:9/v21.0")).test_client()
    assert client.get("/hooks/desconocido", query_string=GOOD).status_code == 404
    without = client.get("/hooks/gaf", query_string=GOOD)
    assert without.status_code == 403 and without.mimetype == "application/problem+json"
