"""A number in an address beyond what a database column holds: an analyst (or anyone who guesses
ids) opened ``/estudio/borradores/999…9/archivos`` and every other page of a draft with a 30-digit
id, and SQLite could not bind it (``OverflowError``: a 500 with the stack trace in the log). Now an
``<int:…>`` of any route matches only up to PostgreSQL's largest ``integer``; beyond it no page
answers the address: the fronts' Spanish 404, the API's problem document, on both databases."""

from __future__ import annotations

import pytest
from flask import Flask

from engine.web.addresses import LARGEST_ID
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of

HUGE = "9" * 30
DRAFT_PAGES = ["/estudio/borradores/{}", "/estudio/borradores/{}/archivos", "/estudio/borradores/{}/tramite",
               "/estudio/borradores/{}/formularios", "/estudio/borradores/{}/probar",
               "/estudio/borradores/{}/paquete.zip", "/estudio/borradores/{}/diagrama"]


@pytest.fixture
def analyst(identity_app: Flask) -> Web:
    web = Web(identity_app.test_client())
    web.sign_in("analista", password_of("analista"))
    return web


@pytest.mark.parametrize("number", [HUGE, str(2**63), str(LARGEST_ID + 1)])
def test_a_draft_page_with_a_huge_id_is_a_spanish_404(analyst: Web, number: str) -> None:
    for page in DRAFT_PAGES:
        response = analyst.client.get(page.format(number))
        assert response.status_code == 404, (page, response.status_code)
        assert "Página no encontrada" in response.get_data(as_text=True), page


def test_a_post_to_a_draft_with_a_huge_id_is_a_404_and_changes_nothing(analyst: Web) -> None:
    token = analyst.form_token("/estudio/")
    for page in ("/estudio/borradores/{}/descartar", "/estudio/borradores/{}/revisar"):
        response = analyst.client.post(page.format(HUGE), data={"csrf_token": token})
        assert response.status_code == 404, (page, response.status_code)
    written = analyst.client.put(f"/estudio/borradores/{HUGE}/archivos/a.json", data=b"{}",
                                 headers={"X-CSRF-Token": token})
    assert written.status_code == 404


def test_an_id_within_the_column_still_reaches_the_view(analyst: Web) -> None:
    response = analyst.client.get(f"/estudio/borradores/{LARGEST_ID}/archivos")
    assert response.status_code == 404
    assert "No existe ese borrador" in response.get_data(as_text=True)


def test_the_api_answers_a_problem_document(identity_app: Flask) -> None:
    api = ApiClient(identity_app, make_token(identity_app, "fuzz", "deploy"))
    response = api.post(f"/api/v1/processes/cualquiera/versions/{HUGE}/test-cases", json={})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
