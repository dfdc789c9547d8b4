"""A reclamo's journey in Chromium: the neighbour marks the place on the map and sends it without an
account, follows it with the code; staff print QR codes and enter a phone call. axe-core on every
page, no CSP violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.browser import LiveServer, axe_violations
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.require import free_port
from tests.procedures.conftest import PROCESSES, SIGNING_PASSWORD

pytestmark = pytest.mark.browser


class Visit:
    """A page that checks each page it lands on with axe-core and records CSP violations."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base, self.csp = page, base, []
        page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path

    def check(self) -> None:
        assert axe_violations(self.page, self.base) == [], self.page.url
        assert self.csp == [], self.csp


@pytest.fixture
def served(make_app: Callable[..., Flask], live_server: Callable[..., LiveServer],
           procedures_signing_p12: Path) -> tuple[Flask, str]:
    port = free_port()  # the QR codes carry the public address: it must be the served one
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}", SIGNING_CERT=str(procedures_signing_p12),
                   SIGNING_PASSWORD=SIGNING_PASSWORD)  # an answered reclamo issues its signed constancia
    assert ApiClient(app, make_token(app, "despliegue", "admin")).deploy(PROCESSES / "reclamo").status_code == 201
    with app.app_context(), unit_of_work():
        ensure_user("atencion", display_name="Atención al Vecino", password="atencion-clave-segura",
                    email="atencion@example.com", roles=("staff",), groups=("atencion_vecino",))
    return app, live_server(app, port).url


def test_a_neighbour_reports_on_the_map_and_follows_the_code(page: Any, served: tuple[Flask, str]) -> None:
    _, base = served
    visit = Visit(page, base)
    visit.go("/reclamos/nuevo")
    visit.check()
    page.check("#f-categoria-alumbrado")
    page.fill("#f-descripcion", "La luminaria de la esquina está apagada desde el lunes.")
    page.locator("#mapa").click()  # Leaflet fills the coordinates from the click
    assert re.fullmatch(r"-26\.\d{6}", page.input_value("#f-lat")), page.input_value("#f-lat")
    assert re.fullmatch(r"-65\.\d{6}", page.input_value("#f-lon"))
    page.fill("#f-direccion", "24 de Septiembre y Muñecas")
    page.click("form.reclamo button[type=submit]")
    page.wait_for_url(re.compile(r"/reclamos/recibido/"))
    visit.check()
    code = page.locator(".codigo").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    page.click("text=Ver el seguimiento")
    page.wait_for_url(re.compile(r"/seguimiento/"))
    assert "EX-" in page.content()
    # The area answers: the neighbour reads the answer on the same page and rates it.
    app, _ = served
    _answer(app, "Cambiamos la lámpara de la esquina.")
    page.reload()
    assert "Cambiamos la lámpara de la esquina." in page.content() and "Descargar Constancia" in page.content()
    visit.check()
    page.check("#f-calificacion-5")
    page.fill("#f-comentario", "Muy rápido.")
    page.click("text=Enviar la calificación")
    page.wait_for_url(re.compile(r"calificada=1"))
    assert "Calificó la respuesta con 5 de 5." in page.content()
    visit.check()


def _answer(app: Flask, answer: str) -> None:
    """Staff resolve the only reclamo over the API."""
    api = ApiClient(app, make_token(app, "area", "admin"))
    [case] = api.get("/api/v1/instances").get_json()["items"]
    task = api.ready_task(case["id"], "resolver_alumbrado")
    assert api.complete(task["id"], {"resultado": "resuelto", "respuesta": answer}).status_code == 200


def test_a_form_with_errors_is_accessible(page: Any, served: tuple[Flask, str]) -> None:
    _, base = served
    visit = Visit(page, base)
    visit.go("/reclamos/nuevo")
    page.fill("#f-descripcion", "corta")
    page.click("form.reclamo button[type=submit]")
    page.wait_for_selector("#errores")
    assert page.input_value("#f-descripcion") == "corta"
    visit.check()


def test_staff_enter_a_phone_call_and_print_qr_codes(page: Any, served: tuple[Flask, str]) -> None:
    _, base = served
    visit = Visit(page, base)
    visit.go("/ingresar")
    page.fill("#campo-usuario", "atencion")
    page.fill("#campo-contrasena", "atencion-clave-segura")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/(?!ingresar)"))
    visit.go("/bandeja/reclamos/telefono")
    visit.check()
    page.select_option("#f-categoria", "baches")
    page.fill("#f-descripcion", "Llamó un vecino: un pozo grande frente a la escuela.")
    page.fill("#f-lat", "-26.8400")
    page.fill("#f-lon", "-65.2100")
    page.click("form.reclamo button[type=submit]")
    page.wait_for_load_state()
    assert "Código de seguimiento para el vecino" in page.content(), page.content()[-3000:]
    visit.check()
    visit.go("/bandeja/reclamos/qr")
    visit.check()
    page.select_option("#f-categoria", "residuos")
    page.fill("#f-puntos", "CONT-0001; -26.8303; -65.2038; Plaza Independencia")
    page.click("form.reclamo button[type=submit]")
    page.wait_for_selector(".etiqueta-qr svg")
    visit.check()
    page.click(".etiqueta-qr a")
    page.wait_for_url(re.compile(r"/reclamos/qr/"))
    assert page.input_value("#f-lat") == "-26.8303" and page.is_checked("#f-categoria-residuos")
    visit.check()
