"""What Migue's tests share: the guide's procedures deployed, and asking through the web page."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import csrf_in

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def deploy(app: Flask, *keys: str) -> None:
    """Deploy procedures of processes/ as `tramites init` does."""
    api = ApiClient(app, make_token(app, f"migue-{secrets.token_hex(4)}", "admin"))
    for key in keys:
        response = api.deploy(PROCESSES / key)
        assert response.status_code == 201, response.get_data(as_text=True)


def ask(client: FlaskClient, question: str, *, htmx: bool = False) -> TestResponse:
    """Post a question from Migue's page (with its CSRF token), as the browser's form does."""
    token = csrf_in(client.get("/migue/").get_data(as_text=True))
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post("/migue/preguntar", data={"pregunta": question, "csrf_token": token}, headers=headers)
