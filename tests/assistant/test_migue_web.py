"""Migue on the web: answers from the deployed guide with their source, and what it does not know."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from tests.assistant.helpers import ask, deploy

KIOSCO = "¿Qué necesito para habilitar un kiosco?"


def test_the_kiosco_question_gets_the_business_licence_requirements_and_the_guide_link(app: Flask) -> None:
    deploy(app, "habilitacion_comercial", "reclamo", "permiso_via_publica")
    response = ask(app.test_client(), KIOSCO)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Habilitación comercial" in html
    assert "Título de propiedad o contrato de locación del local (PDF)" in html
    assert 'href="/guia/habilitacion_comercial"' in html
    assert 'href="/iniciar/habilitacion_comercial"' in html


def test_cost_and_duration_questions_get_those_facts_of_the_page(app: Flask) -> None:
    deploy(app, "habilitacion_comercial", "certificado_catastral")
    client = app.test_client()
    cost = ask(client, "¿Cuánto sale el certificado catastral para una sucesión?").get_data(as_text=True)
    assert "$ 12.000" in cost and "Requisitos" not in cost and 'href="/guia/certificado_catastral"' in cost
    time = ask(client, "¿Cuánto demora la habilitación del local?").get_data(as_text=True)
    assert "15 días hábiles" in time and "Costo" not in time


def test_with_htmx_only_the_exchange_comes_back(app: Flask) -> None:
    deploy(app, "habilitacion_comercial")
    html = ask(app.test_client(), KIOSCO, htmx=True).get_data(as_text=True)
    assert html.lstrip().startswith("<article") and "<html" not in html
    assert KIOSCO in html and 'href="/guia/habilitacion_comercial"' in html


def test_what_the_guide_does_not_hold_is_said_and_a_person_is_offered(make_app) -> None:
    app = make_app(MIGUE_CONTACT="Atención al Vecino: 0381 000-0000, Mesa de Entradas")
    deploy(app, "habilitacion_comercial", "reclamo")
    html = ask(app.test_client(), "¿Cuál es la receta de las empanadas tucumanas?").get_data(as_text=True)
    assert "No sé la respuesta" in html
    assert 'href="/guia/"' in html and "0381 000-0000, Mesa de Entradas" in html
    assert "Habilitación comercial" not in html


def test_an_empty_question_is_refused_in_spanish(app: Flask) -> None:
    response = ask(app.test_client(), "   ")
    assert response.status_code == 422 and "Escriba su pregunta" in response.get_data(as_text=True)
    partial = ask(app.test_client(), "", htmx=True)
    assert partial.status_code == 422 and 'role="alert"' in partial.get_data(as_text=True)


def test_a_new_version_is_searched_at_once(app: Flask, tmp_path) -> None:
    """The index follows the catalogue: deploying a procedure makes it answerable on the next question."""
    deploy(app, "habilitacion_comercial", "reclamo")
    client = app.test_client()
    before = ask(client, "Quiero organizar una feria de artesanos en el parque").get_data(as_text=True)
    assert "/guia/evento_publico" not in before
    deploy(app, "evento_publico")
    after = ask(client, "Quiero organizar una feria de artesanos en el parque").get_data(as_text=True)
    assert 'href="/guia/evento_publico"' in after


def test_a_reclamo_question_offers_the_reclamo_form_and_an_appointment_the_turnero(app: Flask) -> None:
    deploy(app, "reclamo", "habilitacion_comercial")
    client = app.test_client()
    claim = ask(client, "Se cayó un árbol en la vereda de mi casa").get_data(as_text=True)
    assert 'href="/reclamos/nuevo"' in claim and 'href="/guia/reclamo"' in claim
    turno = ask(client, "Quiero sacar un turno para la habilitación de mi local").get_data(as_text=True)
    assert 'href="/turnos/"' in turno and 'href="/guia/habilitacion_comercial"' in turno


def test_following_a_reclamo_asks_for_the_code_and_an_unknown_code_is_said(app: Flask) -> None:
    deploy(app, "reclamo")
    client = app.test_client()
    without = ask(client, "¿Cómo va mi reclamo?").get_data(as_text=True)
    assert "código de seguimiento" in without and 'href="/seguimiento/"' in without
    assert 'href="/mis-tramites/"' in without
    unknown = ask(client, "¿cómo va el reclamo ABCD-EFGH-JKMN?").get_data(as_text=True)
    assert "No encontré ningún caso" in unknown


@pytest.mark.sqlite_only
def test_no_question_reaches_the_logs(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    deploy(app, "habilitacion_comercial")
    caplog.set_level(logging.DEBUG)
    ask(app.test_client(), "Quiero abrir un kiosco llamado Zanahoria Secreta")
    assert "Zanahoria" not in caplog.text


@pytest.mark.sqlite_only
def test_too_many_questions_from_one_address_wait(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import portal.assistant

    monkeypatch.setattr(portal.assistant, "RATE", (2, portal.assistant.RATE[1]))
    deploy(app, "habilitacion_comercial", "reclamo")
    client = app.test_client()
    assert [ask(client, KIOSCO).status_code for _ in range(2)] == [200, 200]
    refused = ask(client, KIOSCO, htmx=True)
    assert refused.status_code == 429 and "Espere unos minutos" in refused.get_data(as_text=True)
