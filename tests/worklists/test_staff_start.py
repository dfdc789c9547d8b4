"""Procedures that staff start (``iniciado_por``): the guide's wording, ``/bandeja/iniciar/`` end to end.

Compras is started by ``dependencia`` (staff of ``area_solicitante``) with the demo users on a
served platform (its first step checks the budget at the embedded GAF sandbox over HTTP);
file fields are exercised with the portal's test procedure re-declared as staff-started.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from sqlalchemy import select

from engine.casefile import expediente
from engine.db import db
from engine.models import AuditEvent, Instance
from tests.fixtures.browser import axe_violations
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.procedures import conftest as procedures
from tests.procedures.conftest import PDF_BYTES, Platform
from tests.procedures.test_compras import pedido
from tests.worklists.helpers import text_of

# The procedures' platform (served over HTTP with a test clock and the GAF sandbox), shared here.
make_platform = procedures.make_platform
procedures_signing_p12 = procedures.procedures_signing_p12
platform = procedures.platform

PORTAL_BUNDLE = Path(__file__).resolve().parents[1] / "data" / "portal" / "solicitud_portal"
STARTED_BY_AREA = "Lo inicia el personal del Área Solicitante."


@pytest.fixture
def compras(platform: Platform) -> Platform:
    platform.deploy("compras")
    platform.seed_demo_users("dependencia", "ciudadana", "mesa", "admin")
    return platform


def _signed_in(platform: Platform, username: str) -> Web:
    web = Web(platform.app.test_client())
    web.sign_in(username, f"demo-{username}")
    return web


def _form(values: dict[str, Any]) -> dict[str, str]:
    """The start form's fields as the browser posts them (``$/<field>``)."""
    return {f"$/{name}": str(value) for name, value in values.items()}


def _start(web: Web, key: str, fields: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
    token = csrf_in(web.client.get(f"/bandeja/iniciar/{key}").get_data(as_text=True))
    body: dict[str, Any] = {"csrf_token": token, "tramite": key, "!o": "1", **fields, **(files or {})}
    return web.client.post("/bandeja/iniciar/", data=body, content_type="multipart/form-data")


def test_the_guide_lists_compras_and_says_who_starts_it(compras: Platform) -> None:
    anonymous = compras.app.test_client()
    assert "Compras y contrataciones" in anonymous.get("/guia/").get_data(as_text=True)
    page = text_of(anonymous.get("/guia/compras"))
    assert STARTED_BY_AREA in page
    assert "Iniciar trámite" not in page and "Iniciar desde la bandeja" not in page

    citizen = _signed_in(compras, "ciudadana")
    page = text_of(citizen.client.get("/guia/compras"))
    assert STARTED_BY_AREA in page and "Iniciar trámite" not in page and "Iniciar desde la bandeja" not in page
    # nor through the portal's start page
    assert citizen.client.get("/iniciar/compras").status_code == 404
    assert citizen.post_form("/iniciar", {"tramite": "compras"}, token_from="/cuenta").status_code == 404

    other_staff = _signed_in(compras, "mesa")
    assert "Iniciar desde la bandeja" not in text_of(other_staff.client.get("/guia/compras"))

    member = _signed_in(compras, "dependencia")
    html = member.client.get("/guia/compras").get_data(as_text=True)
    assert STARTED_BY_AREA in text_of_html(html) and "Iniciar trámite" not in html
    assert re.search(r'href="/bandeja/iniciar/compras"[^>]*>Iniciar desde la bandeja<', html)


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_dependencia_starts_a_purchase_from_the_worklist(compras: Platform) -> None:
    web = _signed_in(compras, "dependencia")
    listing = web.client.get("/bandeja/iniciar/")
    assert listing.status_code == 200 and 'href="/bandeja/iniciar/compras"' in listing.get_data(as_text=True)
    form = web.client.get("/bandeja/iniciar/compras").get_data(as_text=True)
    assert 'name="$/importe_estimado"' in form and 'name="tramite" value="compras"' in form

    response = _start(web, "compras", _form(pedido(800_000, "3.3.1")))
    assert response.status_code == 303, text_of(response)[:2000]
    number = response.headers["Location"].rsplit("/", 1)[-1]
    assert response.headers["Location"] == f"/bandeja/expedientes/{number}" and number.endswith("-COM")
    case_page = text_of(web.client.get(response.headers["Location"]))
    assert f"Inició «Compras y contrataciones»: expediente {number}." in case_page
    assert "Computadoras para Mesa de Entradas" in case_page

    with compras.app.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.number == number))
        assert instance is not None and instance.started_by == "dependencia"
        case = procedures.Case(compras, instance.id, number)
    # the budget was checked in GAF and the amount chose the procedure: the process runs for real
    assert case.data["procedimiento"] == "compra_directa" and case.data["presupuesto"]["disponible"] is True
    assert case.ready() == ["intervenir_contaduria"]


def test_others_may_not_start_it(compras: Platform) -> None:
    other_staff = _signed_in(compras, "mesa")
    assert "compras" not in other_staff.client.get("/bandeja/iniciar/").get_data(as_text=True)
    assert other_staff.client.get("/bandeja/iniciar/compras").status_code == 404
    refused = other_staff.post_form("/bandeja/iniciar/", {"tramite": "compras", **_form(pedido())},
                                    token_from="/cuenta")
    assert refused.status_code == 404
    assert other_staff.client.get("/bandeja/iniciar/no_existe").status_code == 404

    citizen = _signed_in(compras, "ciudadana")
    assert citizen.client.get("/bandeja/iniciar/compras").status_code == 403
    assert citizen.client.get("/bandeja/iniciar/").status_code == 403

    admin = _signed_in(compras, "admin")
    assert admin.client.get("/bandeja/iniciar/compras").status_code == 200
    with compras.app.app_context():
        assert db.session.scalar(select(Instance.id).where(Instance.process_key == "compras")) is None


def test_bad_input_keeps_the_data_with_messages_next_to_the_fields(compras: Platform) -> None:
    web = _signed_in(compras, "dependencia")
    fields = _form(pedido(justificacion="corta"))
    fields["$/importe_estimado"] = "mucho"
    response = _start(web, "compras", fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Traceback" not in html
    assert "Hay datos que corregir en el formulario." in html
    assert 'value="Computadoras para Mesa de Entradas"' in html and 'value="mucho"' in html
    field = re.search(r'id="campo-justificacion--campo".*?</div>', html, re.S)
    assert field is not None and "10" in text_of_html(field.group(0))  # minLength's message in its field
    with compras.app.app_context():
        assert db.session.scalar(select(Instance.id).where(Instance.process_key == "compras")) is None


@pytest.fixture
def with_files(identity_app: Flask, tmp_path: Path) -> Flask:
    """The portal's test procedure (a required document) as one Mesa de Entradas starts."""
    bundle = tmp_path / "solicitud_mesa"
    shutil.copytree(PORTAL_BUNDLE, bundle)
    manifest = yaml.safe_load((bundle / "manifest.yaml").read_text(encoding="utf-8"))
    (bundle / "manifest.yaml").write_text(yaml.safe_dump({**manifest, "iniciado_por": ["mesa_entradas"]},
                                                         allow_unicode=True), encoding="utf-8")
    api = ApiClient(identity_app, make_token(identity_app, "pruebas", "admin"))
    assert api.deploy(bundle).status_code == 201
    return identity_app


def test_a_file_field_uploads_and_joins_the_case_file(with_files: Flask) -> None:
    web = Web(with_files.test_client())
    web.sign_in("mesa", password_of("mesa"))
    fields = _form({"nombre": "Ana Pérez", "motivo": "Pedido interno"})
    refused = _start(web, "solicitud_portal", fields, {"$/constancia": (io.BytesIO(b"solo texto"), "nota.txt")})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'value="Ana Pérez"' in html
    field = re.search(r'id="campo-constancia--campo".*?</div>', html, re.S)
    assert field is not None and "Este tipo de archivo no está permitido." in field.group(0), html  # in its field
    # a reference to a file the person did not upload is refused
    foreign = "a" * 64  # well formed, but no upload of this person
    forged = {"!f/constancia": f'{{"key": "{foreign}", "name": "x.pdf", "content_type": "application/pdf", '
                               f'"size": 10, "sha256": "{foreign}"}}'}
    again = _start(web, "solicitud_portal", {**fields, **forged})
    assert again.status_code == 422 and "Vuelva a subir este archivo." in again.get_data(as_text=True)

    started = _start(web, "solicitud_portal", fields, {"$/constancia": (io.BytesIO(PDF_BYTES), "constancia.pdf")})
    assert started.status_code == 303, text_of(started)[:2000]
    number = started.headers["Location"].rsplit("/", 1)[-1]
    with with_files.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.number == number))
        assert instance is not None and instance.started_by == "mesa"
        documents = expediente.documents(instance.id)
        assert [(d.kind, d.filename, d.folio) for d in documents] == [("uploaded", "constancia.pdf", 1)]
        assert instance.data["constancia"]["name"] == "constancia.pdf"
        refusals = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "upload_refused")).all()
        assert [e.actor for e in refusals] == ["mesa"]


@pytest.mark.browser
def test_the_start_page_in_chromium(browser: Any, compras: Platform) -> None:
    context = browser.new_context(locale="es-AR")
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)

    def check() -> None:
        assert axe_violations(page, compras.url) == [], page.url
        assert csp == [], csp

    try:
        page.goto(compras.url + "/guia/compras")
        check()
        page.goto(compras.url + "/ingresar?siguiente=/guia/compras")
        page.fill("#campo-usuario", "dependencia")
        page.fill("#campo-contrasena", "demo-dependencia")
        page.click("main button:has-text('Ingresar')")
        page.wait_for_url(compras.url + "/guia/compras")
        page.get_by_role("link", name="Iniciar desde la bandeja").click()
        page.wait_for_url("**/bandeja/iniciar/compras")
        check()
        page.click("main button:has-text('Iniciar el trámite')")  # empty: the messages, no case
        page.wait_for_selector("text=Hay datos que corregir en el formulario.")
        check()
        _fill_purchase(page)
        page.click("main button:has-text('Iniciar el trámite')")
        page.wait_for_selector("text=Inició «Compras y contrataciones»")
        assert "/bandeja/expedientes/" in page.url
        check()
        page.goto(compras.url + "/bandeja/iniciar/")
        check()
    finally:
        context.close()


def _fill_purchase(page: Any) -> None:
    page.fill("#campo-dependencia", "Dirección de Sistemas")
    page.fill("#campo-objeto", "Resmas de papel A4")
    page.check("#campo-tipo--0")
    page.fill("#campo-detalle", "200 resmas A4 de 75 g")
    page.select_option("#campo-partida", "2.9.2")
    page.fill("#campo-importe__estimado", "150000")
    page.fill("#campo-justificacion", "Reposición del stock de la Mesa de Entradas.")
    page.fill("#campo-plazo__entrega__dias", "10")
