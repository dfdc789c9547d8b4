"""A staff start form sent twice (a second click on «Iniciar el trámite», a resent POST) starts one case."""

from __future__ import annotations

import io
import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.db import db
from engine.models import Instance
from portal import security
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.fixtures.timing import in_parallel

PORTAL_BUNDLE = Path(__file__).resolve().parents[1] / "data" / "portal" / "solicitud_portal"
KEY = "solicitud_portal"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SENT = re.compile(r'name="envio" value="([^"]+)"')
FIELDS = {"tramite": KEY, "!o": "1", "$/nombre": "Ana Pérez", "$/motivo": "Pedido interno"}


@pytest.fixture
def mesa(identity_app: Flask, tmp_path: Path) -> FlaskClient:
    """Mesa de Entradas, signed in, with the portal's test procedure as one it starts."""
    bundle = tmp_path / "solicitud_mesa"
    shutil.copytree(PORTAL_BUNDLE, bundle)
    manifest = yaml.safe_load((bundle / "manifest.yaml").read_text(encoding="utf-8"))
    (bundle / "manifest.yaml").write_text(yaml.safe_dump({**manifest, "iniciado_por": ["mesa_entradas"]},
                                                         allow_unicode=True), encoding="utf-8")
    assert ApiClient(identity_app, make_token(identity_app, "pruebas", "admin")).deploy(bundle).status_code == 201
    web = Web(identity_app.test_client())
    web.sign_in("mesa", password_of("mesa"))
    return web.client


def _hidden(client: FlaskClient) -> dict[str, str]:
    html = client.get(f"/bandeja/iniciar/{KEY}").get_data(as_text=True)
    found = SENT.search(html)
    assert found, "the staff start form carries no token of its own"
    return {"csrf_token": csrf_in(html), "envio": unescape(found.group(1))}


def _send(client: FlaskClient, hidden: dict[str, str], **changed: str) -> Any:
    data = {**FIELDS, **changed, **hidden, "$/constancia": (io.BytesIO(PDF), "constancia.pdf")}
    return client.post("/bandeja/iniciar/", data=data, content_type="multipart/form-data")


def _cases(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Instance).where(Instance.process_key == KEY))
        db.session.remove()
    return int(count or 0)


def test_the_same_staff_start_form_sent_twice_starts_one_case(mesa: FlaskClient, identity_app: Flask) -> None:
    hidden = _hidden(mesa)
    first = _send(mesa, hidden)
    again = _send(mesa, hidden)
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert _cases(identity_app) == 1
    changed = _send(mesa, hidden, **{"$/motivo": "Otro pedido"})
    html = changed.get_data(as_text=True)
    assert changed.status_code == 409 and "Este formulario ya se envió" in html and "Otro pedido" in html
    assert _cases(identity_app) == 1
    second = _send(mesa, _hidden(mesa))
    assert second.status_code == 303 and second.headers["Location"] != first.headers["Location"]
    assert _cases(identity_app) == 2


def test_the_same_staff_start_form_sent_twice_at_once_starts_one_case(mesa: FlaskClient,
                                                                      identity_app: Flask) -> None:
    hidden = _hidden(mesa)
    name = identity_app.extensions[security.EXTENSION].cookie_name
    session = mesa.get_cookie(name)
    assert session is not None
    browsers = [identity_app.test_client() for _ in range(2)]
    for browser in browsers:  # the same browser, sending from two threads
        browser.set_cookie(name, session.value)

    responses = in_parallel(2, lambda i: _send(browsers[i], hidden))

    assert [r.status_code for r in responses] == [303, 303], [r.get_data(as_text=True)[:2000] for r in responses]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert _cases(identity_app) == 1
