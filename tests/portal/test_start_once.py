"""A citizen's start form sent twice (a second press of «Enviar solicitud», a resent POST) starts one case."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.db import db
from engine.models import Instance
from portal import security
from tests.fixtures.identity import Web, csrf_in
from tests.fixtures.timing import in_parallel
from tests.portal.helpers import KEY, PDF

SENT = re.compile(r'name="envio" value="([^"]+)"')
FIELDS = {"tramite": KEY, "!o": "1", "accion": "enviar", "$/nombre": "Ana Pérez", "$/motivo": "Necesito el permiso"}


def _hidden(client: FlaskClient) -> dict[str, str]:
    html = client.get(f"/iniciar/{KEY}").get_data(as_text=True)
    found = SENT.search(html)
    assert found, "the start form carries no token of its own"
    return {"csrf_token": csrf_in(html), "envio": unescape(found.group(1))}


def _send(client: FlaskClient, hidden: dict[str, str], **changed: str) -> Any:
    data = {**FIELDS, **changed, **hidden, "$/constancia": (io.BytesIO(PDF), "constancia.pdf")}
    return client.post("/iniciar", data=data, content_type="multipart/form-data")


def _cases(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Instance).where(Instance.process_key == KEY))
        db.session.remove()
    return int(count or 0)


def test_the_same_start_form_sent_twice_starts_one_case(citizen: Web, identity_app: Flask) -> None:
    hidden = _hidden(citizen.client)
    first = _send(citizen.client, hidden)
    again = _send(citizen.client, hidden)
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert _cases(identity_app) == 1


def test_the_same_start_form_sent_twice_at_once_starts_one_case(citizen: Web, identity_app: Flask) -> None:
    hidden = _hidden(citizen.client)
    name = identity_app.extensions[security.EXTENSION].cookie_name
    session = citizen.client.get_cookie(name)
    assert session is not None
    browsers = [identity_app.test_client() for _ in range(2)]
    for browser in browsers:  # the same browser, sending from two threads
        browser.set_cookie(name, session.value)

    responses = in_parallel(2, lambda i: _send(browsers[i], hidden))

    assert [r.status_code for r in responses] == [302, 302], [r.get_data(as_text=True)[:2000] for r in responses]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert _cases(identity_app) == 1


def test_a_second_start_form_starts_a_second_case(citizen: Web, identity_app: Flask) -> None:
    first = _send(citizen.client, _hidden(citizen.client))
    second = _send(citizen.client, _hidden(citizen.client))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] != second.headers["Location"]
    assert _cases(identity_app) == 2


def test_a_sent_start_form_changed_and_sent_again_is_shown_again_with_a_new_token(citizen: Web,
                                                                                   identity_app: Flask) -> None:
    hidden = _hidden(citizen.client)
    assert _send(citizen.client, hidden).status_code == 302
    changed = _send(citizen.client, hidden, **{"$/motivo": "Necesito otro permiso"})
    html = changed.get_data(as_text=True)
    assert changed.status_code == 409 and "Esta solicitud ya se envió" in html and "Necesito otro permiso" in html
    fresh = SENT.search(html)
    assert fresh and unescape(fresh.group(1)) != hidden["envio"]
    assert _cases(identity_app) == 1
