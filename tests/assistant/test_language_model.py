"""The optional language model, against a local server speaking the chat-completions shape.

tests/assistant/chat_server.py stands in for the city's OpenAI-compatible endpoint (no model runs
here): the request must carry the documented shape (model, a system and a user message, the guide's
passages), and the answer's ``choices[0].message.content`` is what Migue shows, beside the guide's
own facts and source.
"""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from tests.assistant.chat_server import chat_server
from tests.assistant.helpers import ask, deploy

KIOSCO = "¿Qué necesito para habilitar un kiosco?"
#: A few procedures: the scores that tell an answer from a chance word need a guide, not one page.
GUIDE = ("habilitacion_comercial", "reclamo", "certificado_catastral")


@pytest.mark.sqlite_only
def test_off_by_default_the_model_is_never_called(app: Flask) -> None:
    with chat_server() as server:
        deploy(app, *GUIDE)
        html = ask(app.test_client(), KIOSCO).get_data(as_text=True)
    assert server.requests == [] and "Resumen redactado" not in html


@pytest.mark.sqlite_only
def test_the_model_rewords_from_the_passages_and_the_sources_stay(make_app, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with chat_server() as server:
        server.reply = "Para habilitar tu kiosco llevá el DNI, el CUIT, el título o contrato y el plano del local."
        app = make_app(MIGUE_MODEL_URL=server.url, MIGUE_MODEL_NAME="modelo-municipal", MIGUE_MODEL_KEY="clave-xyz")
        deploy(app, *GUIDE)
        html = ask(app.test_client(), KIOSCO).get_data(as_text=True)
    sent = server.requests[0]
    assert sent["model"] == "modelo-municipal"
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert "SOLO la información de los pasajes" in sent["messages"][0]["content"]
    assert KIOSCO in sent["messages"][1]["content"]
    assert "Título de propiedad o contrato de locación del local (PDF)" in sent["messages"][1]["content"]
    assert server.headers[0]["Authorization"] == "Bearer clave-xyz"
    assert "Para habilitar tu kiosco llevá el DNI" in html
    assert 'href="/guia/habilitacion_comercial"' in html and "Título de propiedad" in html
    assert "kiosco" not in caplog.text and "clave-xyz" not in caplog.text


@pytest.mark.sqlite_only
def test_figures_the_guide_does_not_hold_set_the_wording_aside(make_app) -> None:
    with chat_server() as server:
        server.reply = "La habilitación cuesta $ 999 y sale en 2 días."
        app = make_app(MIGUE_MODEL_URL=server.url)
        deploy(app, *GUIDE)
        html = ask(app.test_client(), "¿Cuánto cuesta la habilitación comercial?").get_data(as_text=True)
    assert len(server.requests) == 1
    assert "999" not in html and "$ 25.000" in html and 'href="/guia/habilitacion_comercial"' in html


@pytest.mark.sqlite_only
def test_a_failing_model_leaves_the_guide_answer(make_app, caplog) -> None:
    with chat_server() as server:
        server.status = 503
        app = make_app(MIGUE_MODEL_URL=server.url)
        deploy(app, *GUIDE)
        response = ask(app.test_client(), KIOSCO)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Título de propiedad" in html and "Resumen redactado" not in html
    assert "did not reword" in caplog.text and "kiosco" not in caplog.text


@pytest.mark.sqlite_only
def test_a_wording_longer_than_a_rewording_is_set_aside(make_app) -> None:
    with chat_server() as server:
        server.reply = "Para habilitar su kiosco lleve el DNI. " * 100
        app = make_app(MIGUE_MODEL_URL=server.url)
        deploy(app, *GUIDE)
        html = ask(app.test_client(), KIOSCO).get_data(as_text=True)
    assert len(server.requests) == 1 and "Resumen redactado" not in html and "Título de propiedad" in html
