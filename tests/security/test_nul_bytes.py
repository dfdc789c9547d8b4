"""A NUL byte in a request's address, query or plain form: PostgreSQL refuses it in any text column,
so it used to be a 500 there (found by schemathesis: ``GET /api/v1/tasks?candidate_group=…%00…``)
and a silent non-match on SQLite. Now it is a 400 on both, before any view runs: the API's problem
document, the fronts' Spanish page."""

from __future__ import annotations

from flask import Flask

from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of

MESSAGE = "carácter nulo (NUL)"


API_PATHS = ["/api/v1/tasks?candidate_group=mesa%00entradas", "/api/v1/tasks?assignee=%00",
             "/api/v1/instances?process=a%00b", "/api/v1/instances/caso%00"]
PAGES = ["/guia/?q=feria%00", "/bandeja/?q=EX%00", "/estudio/?x=%00", "/seguimiento/?codigo=%00"]


def test_the_api_answers_a_problem_document_and_the_pages_in_spanish(identity_app: Flask) -> None:
    api = ApiClient(identity_app, make_token(identity_app, "fuzz", "read"))
    for path in API_PATHS:
        response = api.get(path)
        assert response.status_code == 400 and response.mimetype == "application/problem+json", path
        assert MESSAGE in response.get_json()["detail"]
    web = Web(identity_app.test_client())
    web.sign_in("admin", password_of("admin"))
    for path in PAGES:
        response = web.client.get(path)
        assert response.status_code == 400 and response.mimetype == "text/html", path
        assert MESSAGE in response.get_data(as_text=True)


def test_a_plain_form_field_is_refused_and_an_unknown_address_stays_a_404(identity_app: Flask) -> None:
    client = identity_app.test_client()
    refused = client.post("/ingresar", data={"usuario": "ana\x00", "contrasena": "x"})
    assert refused.status_code == 400 and MESSAGE in refused.get_data(as_text=True)
    assert client.get("/ingresar%00").status_code == 404
