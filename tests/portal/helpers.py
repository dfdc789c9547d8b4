"""Helpers shared by the portal's tests: the test procedure, a citizen, a started case."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask

from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "portal" / "solicitud_portal"
KEY = "solicitud_portal"
#: The smallest file the content sniffer takes for a PDF.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def deploy(app: Flask) -> ApiClient:
    api = ApiClient(app, make_token(app, "portal-pruebas", "admin"))
    response = api.deploy(BUNDLE)
    assert response.status_code == 201, response.get_json()
    return api


def upload(web: Web, content: bytes = PDF, name: str = "constancia.pdf", page: str = f"/iniciar/{KEY}",
           endpoint: str = f"/iniciar/archivo?tramite={KEY}") -> Any:
    """Upload a file through the portal's endpoint as the progress-bar script does (the raw body)."""
    token = csrf_in(web.client.get(page).get_data(as_text=True))
    return web.client.post(endpoint, data=content, content_type="application/octet-stream",
                           headers={"X-CSRF-Token": token, "X-File-Name": quote(name), "Accept": "application/json"})


def post_start(web: Web, fields: dict[str, Any], accion: str = "enviar") -> Any:
    """Post the start form as a browser without JavaScript does (files inside the form)."""
    token = csrf_in(web.client.get(f"/iniciar/{KEY}").get_data(as_text=True))
    data = {"csrf_token": token, "tramite": KEY, "!o": "1", "accion": accion, **fields}
    return web.client.post("/iniciar", data=data, content_type="multipart/form-data")


def start_case(web: Web, nombre: str = "Ana Pérez", motivo: str = "Necesito el permiso") -> str:
    """Start the test procedure with a PDF; return the case number."""
    response = post_start(web, {"$/nombre": nombre, "$/motivo": motivo,
                                "$/constancia": (io.BytesIO(PDF), "constancia.pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.headers["Location"].split("/mis-tramites/")[1].split("?")[0]
