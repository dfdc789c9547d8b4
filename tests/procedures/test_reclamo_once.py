"""The reclamo form sent twice (a second press of «Enviar», a phone that sends the POST again) starts one
case; so does the form Atención al Vecino loads a phone call in."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.db import db
from engine.identity.accounts import ensure_user
from engine.intake import reclamos
from engine.models import Instance
from engine.uow import unit_of_work
from portal import security
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.fixtures.timing import in_parallel
from tests.procedures.conftest import PROCESSES

FORM = {"categoria": "alumbrado", "descripcion": "La luminaria de la esquina está apagada.",
        "lat": "-26.8303", "lon": "-65.2038", "direccion": "24 de Septiembre y Muñecas"}
PHONE = "/bandeja/reclamos/telefono"
SENT = re.compile(r'name="envio" value="([^"]+)"')


@pytest.fixture
def city(identity_app: Flask) -> Flask:
    deployed = ApiClient(identity_app, make_token(identity_app, "despliegue", "admin")).deploy(PROCESSES / "reclamo")
    assert deployed.status_code == 201, deployed.get_json()
    return identity_app


def _filled(client: FlaskClient, path: str = "/reclamos/nuevo") -> dict[str, str]:
    """The hidden fields of the form as the page gives them: its CSRF token and its own token."""
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    found = SENT.search(html)
    assert found, "the form carries no token of its own"
    return {"csrf_token": csrf_in(html), "envio": unescape(found.group(1))}


def _send(client: FlaskClient, hidden: dict[str, str], form: dict[str, str] = FORM) -> Any:
    return client.post("/reclamos/nuevo", data={**form, **hidden}, content_type="multipart/form-data")


def _reclamos(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Instance)
                                  .where(Instance.process_key == reclamos.PROCESS_KEY))
        db.session.remove()
    return int(count or 0)


def _same_browser(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another client with the first one's session: the same browser, sending from another thread."""
    name = app.extensions[security.EXTENSION].cookie_name
    session = client.get_cookie(name)
    assert session is not None
    other = app.test_client()
    other.set_cookie(name, session.value)
    return other


def test_the_same_form_sent_twice_starts_one_reclamo_and_answers_both_with_it(city: Flask) -> None:
    client = city.test_client()
    hidden = _filled(client)
    first = _send(client, hidden)
    again = _send(client, hidden)
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert _reclamos(city) == 1
    assert "EX-" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_the_same_form_sent_twice_at_once_starts_one_reclamo(city: Flask) -> None:
    client = city.test_client()
    hidden = _filled(client)
    browsers = [_same_browser(city, client) for _ in range(2)]

    responses = in_parallel(2, lambda i: _send(browsers[i], hidden))

    assert [r.status_code for r in responses] == [302, 302], [r.get_data(as_text=True)[:2000] for r in responses]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert _reclamos(city) == 1


def test_a_second_form_filled_the_same_way_starts_a_second_reclamo(city: Flask) -> None:
    client = city.test_client()
    first = _send(client, _filled(client))
    second = _send(client, _filled(client))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] != second.headers["Location"]
    assert _reclamos(city) == 2


def test_a_sent_form_changed_and_sent_again_is_shown_again_with_a_new_token(city: Flask) -> None:
    client = city.test_client()
    hidden = _filled(client)
    assert _send(client, hidden).status_code == 302
    changed = _send(client, hidden, {**FORM, "descripcion": "Son dos luminarias apagadas."})
    assert changed.status_code == 409
    html = changed.get_data(as_text=True)
    assert "Este formulario ya se envió" in html and "Son dos luminarias apagadas." in html
    fresh = SENT.search(html)
    assert fresh and unescape(fresh.group(1)) != hidden["envio"]
    assert _reclamos(city) == 1
    resent = _send(client, {**hidden, "envio": unescape(fresh.group(1))},
                   {**FORM, "descripcion": "Son dos luminarias apagadas."})
    assert resent.status_code == 302 and _reclamos(city) == 2


def test_a_refused_form_keeps_its_token_until_it_starts_the_reclamo(city: Flask) -> None:
    client = city.test_client()
    hidden = _filled(client)
    refused = _send(client, hidden, {**FORM, "descripcion": ""})
    assert refused.status_code == 422
    kept = SENT.search(refused.get_data(as_text=True))
    assert kept and unescape(kept.group(1)) == hidden["envio"]
    assert _send(client, hidden).status_code == 302 and _send(client, hidden).status_code == 302
    assert _reclamos(city) == 1


def _staff(app: Flask) -> FlaskClient:
    with app.app_context(), unit_of_work():
        ensure_user("atencion", display_name="Atención", password=password_of("atencion"),
                    email="atencion@example.com", roles=("staff",), groups=("atencion_vecino",))
    web = Web(app.test_client())
    web.sign_in("atencion", password_of("atencion"))
    return web.client


def test_a_phone_reclamo_sent_twice_is_loaded_once_and_read_out_again(city: Flask) -> None:
    client = _staff(city)
    hidden = _filled(client, PHONE)
    first = client.post(PHONE, data={**FORM, **hidden})
    again = client.post(PHONE, data={**FORM, **hidden})
    assert first.status_code == again.status_code == 302
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Reclamo EX-\S+-REC cargado", shown), shown[:2000]
    assert _reclamos(city) == 1
    browsers = [_same_browser(city, client) for _ in range(2)]
    hidden = _filled(client, PHONE)
    at_once = in_parallel(2, lambda i: browsers[i].post(PHONE, data={**FORM, **hidden}))
    assert [r.status_code for r in at_once] == [302, 302], [r.get_data(as_text=True)[:2000] for r in at_once]
    assert _reclamos(city) == 2
