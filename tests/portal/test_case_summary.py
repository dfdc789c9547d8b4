"""What people see of a case: the declared summary for each audience, labels from the forms' titles,
es-AR values and option labels; internal variables never reach the citizen; pending actions with
their placeholders rendered; the history with step names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.models import Instance
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.portal.helpers import start_case

BUNDLES = Path(__file__).resolve().parents[1] / "data" / "portal"
KEY = "corte_calles"
#: What scripts, connectors and staff put in a case: the citizen must never read it.
INTERNAL = {"encolado": True, "vence_correccion": "2026-12-21", "cuit_texto": "20-30111222-3",
            "certificado": {"key": "certificados/2026/clave-interna.pdf"}, "riesgo": "alto", "tasa": 25000}


@pytest.fixture
def api(identity_app: Flask) -> ApiClient:
    client = ApiClient(identity_app, make_token(identity_app, "portal-pruebas", "admin"))
    for name in (KEY, "solicitud_portal"):
        assert client.deploy(BUNDLES / name).status_code == 201
    return client


@pytest.fixture
def citizen(identity_app: Flask, api: ApiClient) -> Web:
    web = Web(identity_app.test_client())
    web.sign_in("ciudadana", password_of("ciudadana"))
    return web


def _start(web: Web) -> str:
    token = csrf_in(web.client.get(f"/iniciar/{KEY}").get_data(as_text=True))
    fields = {"csrf_token": token, "tramite": KEY, "!o": "1", "accion": "enviar", "$/nombre": "Club Atlético",
              "!o/evento": "1", "$/evento/fecha": "2026-12-21", "$/evento/tipo": "recital",
              "$/evento/modalidad": "con_entrada", "$/evento/escala": "ciudad", "$/presupuesto": "120000",
              "!b/corte_calles": "1", "$/corte_calles": "true", "$/calles_afectadas": "Av. Mate de Luna"}
    response = web.client.post("/iniciar", data=fields, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return str(response.headers["Location"].split("/mis-tramites/")[1].split("?")[0])


def _add_internal(app: Flask, number: str) -> str:
    with app.app_context(), unit_of_work():
        instance = db.session.scalars(select(Instance).where(Instance.number == number)).one()
        instance.data = {**instance.data, **INTERNAL}
        return instance.id


def _leaks(html: str) -> list[str]:
    words = ["Encolado", "clave-interna", "Vence correccion", "Cuit texto", "20-30111222-3", "Riesgo"]
    return [w for w in words if w in html]


def test_the_citizen_reads_the_declared_fields_with_titles_labels_and_es_ar_values(
        identity_app: Flask, citizen: Web) -> None:
    number = _start(citizen)
    _add_internal(identity_app, number)
    html = citizen.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    for shown in ("Organizador", "Club Atlético", "Fecha del evento", "21/12/2026", "(Evento)",
                  "Recital al aire libre", "Con entrada", "Toda la ciudad", "$ 120.000,00", "Calles afectadas",
                  "Av. Mate de Luna", "¿El evento corta calles?</dt><dd>Sí"):
        assert shown in html, shown
    assert _leaks(html) == []
    assert "con_entrada" not in html and "recital" not in html


def test_without_a_declaration_the_citizen_sees_only_the_forms_they_filled(identity_app: Flask,
                                                                          citizen: Web) -> None:
    number = start_case(citizen)
    _add_internal(identity_app, number)
    html = citizen.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    assert "Nombre y apellido" in html and "Ana Pérez" in html and "constancia.pdf" in html
    assert _leaks(html) == []


def test_staff_read_their_declared_lines_first_and_every_datum_behind_todos_los_datos(
        identity_app: Flask, citizen: Web) -> None:
    number = _start(citizen)
    _add_internal(identity_app, number)
    staff = Web(identity_app.test_client())
    staff.sign_in("mesa", password_of("mesa"))
    html = staff.client.get(f"/bandeja/expedientes/{number}").get_data(as_text=True)
    declared, _, everything = html.partition("Todos los datos")
    assert "Riesgo evaluado" in declared and "alto" in declared and "$ 25.000,00" in declared
    assert "Encolado" not in declared and "Encolado" in everything and "Recital al aire libre" in everything


def test_pending_actions_render_their_placeholders_and_the_history_names_steps(
        identity_app: Flask, citizen: Web, api: ApiClient) -> None:
    number = _start(citizen)
    instance_id = _add_internal(identity_app, number)
    task = api.ready_task(instance_id, "revisar")
    assert api.complete(task["id"], {"completo": False, "observaciones": "Falta el plano <b>firmado</b>"}
                        ).status_code == 200
    html = citizen.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    assert "Mesa de Entradas pide: Falta el plano &lt;b&gt;firmado&lt;/b&gt;" in html
    assert "{{" not in html
    history = html.split('id="historial"')[1]
    assert "Revisar solicitud" in history and "Corregir la solicitud" in history
    assert ": revisar<" not in history and ": corregir<" not in history


def test_the_staff_task_page_shows_the_summary_too(identity_app: Flask, citizen: Web, api: ApiClient) -> None:
    number = _start(citizen)
    instance_id = _add_internal(identity_app, number)
    task: dict[str, Any] = api.ready_task(instance_id, "revisar")
    staff = Web(identity_app.test_client())
    staff.sign_in("mesa", password_of("mesa"))
    html = staff.client.get(f"/bandeja/tareas/{task['id']}").get_data(as_text=True)
    assert "Riesgo evaluado" in html and "Todos los datos" in html
