"""Reclamos on the web: the public form (with and without an account), QR codes, phone entries, duplicates."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from engine.casefile import expediente
from engine.db import db
from engine.identity.accounts import ensure_user
from engine.intake import reclamos
from engine.models import AuditEvent, Instance
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.procedures.conftest import PNG_BYTES, PROCESSES

FORM = {"categoria": "alumbrado", "descripcion": "La luminaria de la esquina está apagada.",
        "lat": "-26.8303", "lon": "-65.2038", "direccion": "24 de Septiembre y Muñecas"}


@pytest.fixture
def city(identity_app: Flask) -> Flask:
    """The secured app with the reclamo procedure deployed and a member of Atención al Vecino."""
    deployed = ApiClient(identity_app, make_token(identity_app, "despliegue", "admin")).deploy(PROCESSES / "reclamo")
    assert deployed.status_code == 201, deployed.get_json()
    with identity_app.app_context(), unit_of_work():
        ensure_user("atencion", display_name="Atención", password=password_of("atencion"),
                    email="atencion@example.com", roles=("staff",), groups=("atencion_vecino",))
        ensure_user("luces", display_name="Luces", password=password_of("luces"),
                    email="luces@example.com", roles=("staff",), groups=("alumbrado",))
    return identity_app


def _web(app: Flask, who: str | None = None) -> Web:
    web = Web(app.test_client())
    if who:
        web.sign_in(who, password_of(who))
    return web


def _case(app: Flask, number: str) -> Instance:
    with app.app_context():
        found = db.session.scalar(select(Instance).where(Instance.number == number))
        assert found is not None
        db.session.expunge(found)
        return found


def _post(web: Web, path: str, data: dict[str, Any], page: str = "/reclamos/nuevo") -> Any:
    return web.client.post(path, data={**data, "csrf_token": web.form_token(page)},
                           content_type="multipart/form-data")


def test_anonymous_reclamo_with_a_photo_gets_a_tracking_code(city: Flask) -> None:
    web = _web(city)
    page = web.client.get("/reclamos/nuevo")
    assert page.status_code == 200
    assert "https://tile.openstreetmap.org" in page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    sent = _post(web, "/reclamos/nuevo", {**FORM, "email": "vecina@example.com",
                                          "fotos": (io.BytesIO(PNG_BYTES), "esquina.png")})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    received = web.client.get(sent.headers["Location"])
    html = received.get_data(as_text=True)
    code = re.search(r'class="codigo">([A-Z0-9-]{14})<', html).group(1)  # type: ignore[union-attr]
    number = re.search(r"(EX-\d{4}-\d{6}-SMT-REC)", html).group(1)  # type: ignore[union-attr]
    assert web.client.get(f"/seguimiento/{code}").status_code == 200
    instance = _case(city, number)
    assert instance.started_by == reclamos.ANONYMOUS_ACTOR
    assert instance.data["canal"] == "web" and instance.data["anonimo"] is True
    assert instance.data["contacto"] == {"email": "vecina@example.com"}
    with city.app_context():
        [photo] = expediente.documents(instance.id)
        assert photo.title == "Foto 1 del reclamo" and photo.content_type == "image/png"


def test_bad_input_is_answered_next_to_each_field_keeping_the_data(city: Flask) -> None:
    web = _web(city)
    empty = _post(web, "/reclamos/nuevo", {"descripcion": "Algo pasa en mi calle, vengan."})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "Elija el tipo de problema." in html and "Traceback" not in html
    assert "Algo pasa en mi calle, vengan." in html  # kept
    assert 'id="f-lat"' in html and 'aria-invalid="true"' in html
    wrong = _post(web, "/reclamos/nuevo", {**FORM, "lat": "10", "email": "no-es-un-correo",
                                           "descripcion": "corta"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422
    assert 'id="e-lat"' in html and 'id="e-email"' in html and 'id="e-descripcion"' in html
    not_an_image = _post(web, "/reclamos/nuevo", {**FORM, "fotos": (io.BytesIO(b"MZ\x90\x00 ejecutable"), "foto.png")})
    assert not_an_image.status_code == 422 and 'id="e-fotos"' in not_an_image.get_data(as_text=True)
    with city.app_context():
        assert db.session.scalar(select(Instance).where(Instance.process_key == "reclamo")) is None


def test_a_signed_in_citizen_owns_the_reclamo(city: Flask) -> None:
    web = _web(city, "ciudadana")
    assert "Sus datos de contacto" not in web.client.get("/reclamos/nuevo").get_data(as_text=True)
    sent = _post(web, "/reclamos/nuevo", FORM)
    assert sent.status_code == 302
    with city.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.process_key == "reclamo"))
        assert instance is not None and instance.started_by == "ciudadana" and instance.data["anonimo"] is False
        # the answer goes to the account's e-mail
        assert instance.data["contacto"] == {"nombre": "Ciudadana", "email": "ciudadana@example.com"}
        assert instance.data["email_aviso"] == "ciudadana@example.com"


def test_a_qr_code_prefills_the_place_and_category(city: Flask) -> None:
    point = reclamos.QrPoint("CONT-0042", "residuos", -26.8311, -65.2047, "Contenedor de Muñecas 300")
    token = reclamos.qr_token(point, city.config["SECRET_KEY"])
    web = _web(city)
    page = web.client.get(f"/reclamos/qr/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "CONT-0042" in html and 'value="-26.8311"' in html
    assert re.search(r'value="residuos"\s+checked', html)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert web.client.get(f"/reclamos/qr/{tampered}").status_code == 404
    sent = _post(web, "/reclamos/nuevo", {"categoria": "residuos", "descripcion": "El contenedor desborda de basura.",
                                          "lat": "-26.8311", "lon": "-65.2047", "qr": token},
                 page=f"/reclamos/qr/{token}")
    assert sent.status_code == 302
    with city.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.process_key == "reclamo"))
        assert instance is not None and instance.data["canal"] == "qr" and instance.data["punto_qr"] == "CONT-0042"


def test_atencion_vecino_enters_a_phone_call(city: Flask) -> None:
    assert _web(city, "mesa").client.get("/bandeja/reclamos/telefono").status_code == 403
    web = _web(city, "atencion")
    bad = _post(web, "/bandeja/reclamos/telefono", {"descripcion": "Llamó un vecino."},
                page="/bandeja/reclamos/telefono")
    assert bad.status_code == 422 and "Elija el tipo de problema." in bad.get_data(as_text=True)
    sent = _post(web, "/bandeja/reclamos/telefono", {**FORM, "nombre": "Don Ramón", "telefono": "381 4000000"},
                 page="/bandeja/reclamos/telefono")
    assert sent.status_code == 302
    shown = web.client.get(sent.headers["Location"]).get_data(as_text=True)
    found = re.search(r"Reclamo (EX-\S+-REC) cargado\. Código de seguimiento para el vecino: ([A-Z0-9-]{14})", shown)
    assert found, shown[:3000]
    instance = _case(city, found.group(1))
    assert instance.started_by == reclamos.ANONYMOUS_ACTOR and instance.data["canal"] == "telefono"
    assert instance.data["contacto"] == {"nombre": "Don Ramón", "telefono": "381 4000000"}
    with city.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id)).all()
        assert ("reclamo_received", "atencion") in {(e.type, e.actor) for e in events}


def test_staff_print_a_sheet_of_qr_codes(city: Flask) -> None:
    web = _web(city, "mesa")
    assert web.client.get("/bandeja/reclamos/qr").status_code == 200
    lines = "CONT-0001; -26.8303; -65.2038; Plaza Independencia\nCONT-0002, -26.8400, -65.2100, Av. Roca 100"
    sheet = _post(web, "/bandeja/reclamos/qr", {"categoria": "residuos", "puntos": lines}, page="/bandeja/reclamos/qr")
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and html.count("<svg") == 2 and "Plaza Independencia" in html
    urls = re.findall(r'href="(http://[^"]+/reclamos/qr/[^"]+)"', html)
    assert len(urls) == 2
    landing = _web(city).client.get(urlsplit(urls[1]).path)
    assert landing.status_code == 200 and "CONT-0002" in landing.get_data(as_text=True)
    bad = _post(web, "/bandeja/reclamos/qr", {"categoria": "residuos", "puntos": "CONT-9; 40.0; 3.0"},
                page="/bandeja/reclamos/qr")
    assert bad.status_code == 422 and "fuera del municipio" in bad.get_data(as_text=True)


def test_staff_see_possible_duplicates(city: Flask) -> None:
    api = ApiClient(city, make_token(city, "canal", "start"))

    def start(categoria: str, lat: float, lon: float) -> str:
        body = {"data": {"categoria": categoria, "descripcion": "Luminaria apagada hace días.", "canal": "api",
                         "anonimo": False, "ubicacion": {"lat": lat, "lon": lon}}}
        response = api.post("/api/v1/processes/reclamo/instances", json=body)
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["number"])

    first = start("alumbrado", -26.83030, -65.20380)
    near = start("alumbrado", -26.83060, -65.20400)      # ~40 m
    start("alumbrado", -26.83500, -65.20380)             # ~520 m
    start("baches", -26.83031, -65.20381)                # same place, another category
    web = _web(city, "luces")
    page = web.client.get(f"/bandeja/reclamos/{first}/duplicados")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and near in html and html.count("-SMT-REC</a>") == 1
    fragment = web.client.get(f"/bandeja/reclamos/{first}/duplicados", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and near in fragment.get_data(as_text=True)
    assert _web(city, "mesa").client.get(f"/bandeja/reclamos/{first}/duplicados").status_code == 404
    with city.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.number == first))
        assert instance is not None
        assert [d.number for d in reclamos.duplicates_of(instance, instance.created_at)] == [near]
        later = instance.created_at + timedelta(days=reclamos.DUPLICATE_DAYS + 1)
        assert reclamos.duplicates_of(instance, later) == []


def test_distance_is_in_metres() -> None:
    # one thousandth of a degree of latitude is about 111 m anywhere
    assert 110 < reclamos.distance_m((-26.830, -65.2), (-26.831, -65.2)) < 112
    assert reclamos.distance_m((-26.83, -65.2), (-26.83, -65.2)) == 0
