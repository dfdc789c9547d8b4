"""Representatives through the web, on both databases: a power presented and accepted by staff,
a case started and answered for a company, the company's view with the marks, revocation."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.identity.accounts import ensure_user
from engine.models import AuditEvent, Instance
from engine.representation.models import PowerOfAttorney
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.portal.helpers import BUNDLE, KEY, PDF

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
COMPANY_CUIT = "30712345671"


@pytest.fixture
def api(identity_app: Flask) -> ApiClient:
    api = ApiClient(identity_app, make_token(identity_app, "apoderados-pruebas", "admin"))
    assert api.deploy(PROCESSES / "apoderamiento").status_code == 201
    assert api.deploy(BUNDLE).status_code == 201
    with identity_app.app_context(), unit_of_work():
        ensure_user("empresa", display_name="Distribuidora Norte SRL", password=password_of("empresa"),
                    email="empresa@example.com", cuit=COMPANY_CUIT)
    return api


def _web(app: Flask, name: str) -> Web:
    web = Web(app.test_client())
    web.sign_in(name, password_of(name))
    return web


def _start(web: Web, key: str, fields: dict[str, object]) -> tuple[int, str]:
    page = web.client.get(f"/iniciar/{key}")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    data = {"csrf_token": csrf_in(page.get_data(as_text=True)), "tramite": key, "!o": "1", "accion": "enviar",
            **{f"$/{k}": v for k, v in fields.items()}}
    response = web.client.post("/iniciar", data=data, content_type="multipart/form-data")
    location = response.headers.get("Location", "")
    return response.status_code, location.split("/mis-tramites/")[1].split("?")[0] if location else ""


def _instance_id(app: Flask, number: str) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Instance.id).where(Instance.number == number)))


def _grant(app: Flask, api: ApiClient, web: Web, tramites: str = KEY, decision: str = "aceptar") -> str:
    status, number = _start(web, "apoderamiento", {"cuit_representado": COMPANY_CUIT, "tramites": tramites,
                                                   "poder_archivo": (io.BytesIO(PDF), "poder.pdf")})
    assert status == 302
    task = api.ready_task(_instance_id(app, number), "revisar_poder")
    assert task["candidate_group"] == "mesa_entradas"
    assert api.complete(task["id"], {"decision": decision, "respuesta": "Revisamos el poder presentado."}
                        ).status_code == 200
    return number


def _post(web: Web, page: str, action: str, fields: dict[str, str]) -> object:
    token = csrf_in(web.client.get(page).get_data(as_text=True))
    return web.client.post(action, data={"csrf_token": token, **fields})


def test_a_representative_starts_and_answers_for_a_company_until_it_revokes_the_power(
        identity_app: Flask, api: ApiClient) -> None:
    representative = _web(identity_app, "ciudadana")
    _grant(identity_app, api, representative)
    with identity_app.app_context():
        [power] = db.session.scalars(select(PowerOfAttorney))
        assert (power.representative, power.party, power.procedure_keys) == ("ciudadana", "empresa", [KEY])

    chooser = representative.client.get("/representacion/").get_data(as_text=True)
    assert "Actuar en nombre de Distribuidora Norte SRL" in chooser
    assert _post(representative, "/representacion/", "/representacion/", {"representado": "empresa"}).status_code == 302
    assert "Actuando en nombre de Distribuidora Norte SRL" in representative.client.get("/mis-tramites/").get_data(
        as_text=True)
    status, number = _start(representative, KEY, {"nombre": "Distribuidora Norte SRL", "motivo": "Ampliar el local",
                                                  "constancia": (io.BytesIO(PDF), "constancia.pdf")})
    assert status == 302
    instance_id = _instance_id(identity_app, number)
    assert api.instance(instance_id)["started_by"] == "empresa"

    review = api.ready_task(instance_id, "revisar")
    assert api.complete(review["id"], {"completo": False, "observaciones": "Falta el plano"}).status_code == 200
    task = api.ready_task(instance_id, "corregir")
    page = f"/mis-tramites/{number}/tareas/{task['id']}"
    answered = _post(representative, page, "/mis-tramites/tareas",
                     {"expediente": number, "tarea": task["id"], "!o": "1", "$/respuesta": "Adjuntamos el plano"})
    assert answered.status_code == 302, answered.get_data(as_text=True)[:2000]  # type: ignore[attr-defined]
    with identity_app.app_context():
        acts = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                           AuditEvent.type == "acted_on_behalf"))
        assert [(e.actor, e.data["representado"], e.data["acto"]) for e in acts] == [
            ("ciudadana", "empresa", "inicio"), ("ciudadana", "empresa", "respuesta")]

    staff_view = _web(identity_app, "mesa").client.get(f"/bandeja/expedientes/{number}").get_data(as_text=True)
    assert "Actuación en representación: Ciudadana en representación de Distribuidora Norte SRL" in staff_view

    company = _web(identity_app, "empresa")
    listing = company.client.get("/mis-tramites/").get_data(as_text=True)
    assert number in listing and "Iniciado por Ciudadana en representación" in listing
    detail = company.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    assert "Ciudadana inició el trámite en representación de Distribuidora Norte SRL" in detail
    assert "Ciudadana respondió «Corregir la solicitud» en representación de Distribuidora Norte SRL" in detail

    exported = company.client.get("/mis-datos/mis-datos.json").get_json()
    assert exported["cuenta"]["cuit"] == COMPANY_CUIT
    assert [(p["apoderado"], p["tramites"], p["revocado"]) for p in exported["poderes"]] == [("ciudadana", [KEY], None)]
    given = company.client.get("/mis-representantes/").get_data(as_text=True)
    assert "Ciudadana" in given and "Vigente" in given
    with identity_app.app_context():
        power_id = db.session.scalar(select(PowerOfAttorney.id))
    revoked = _post(company, "/mis-representantes/", "/mis-representantes/revocar", {"poder": str(power_id)})
    assert revoked.status_code == 302  # type: ignore[attr-defined]
    assert "Revocado el" in company.client.get("/mis-representantes/").get_data(as_text=True)
    assert representative.client.get(f"/mis-tramites/{number}").status_code == 404
    assert number not in representative.client.get("/mis-tramites/").get_data(as_text=True)
    assert "Actuando en nombre de" not in representative.client.get("/mis-tramites/").get_data(as_text=True)
    with identity_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.type == "power_revoked"))
        assert event is not None and event.actor == "empresa" and event.data["representante"] == "ciudadana"


def test_a_refused_power_grants_nothing_and_strangers_get_404(identity_app: Flask, api: ApiClient) -> None:
    representative = _web(identity_app, "ciudadana")
    _grant(identity_app, api, representative, decision="rechazar")
    with identity_app.app_context():
        assert db.session.scalars(select(PowerOfAttorney)).all() == []
    assert _post(representative, "/representacion/", "/representacion/", {"representado": "empresa"}
                 ).status_code == 404  # type: ignore[attr-defined]
    company = _web(identity_app, "empresa")
    status, number = _start(company, KEY, {"nombre": "Distribuidora Norte SRL", "motivo": "Ampliar el local",
                                           "constancia": (io.BytesIO(PDF), "constancia.pdf")})
    assert status == 302
    assert representative.client.get(f"/mis-tramites/{number}").status_code == 404
    other = _post(company, "/mis-representantes/", "/mis-representantes/revocar", {"poder": "no-existe"})
    assert other.status_code == 404  # type: ignore[attr-defined]


def test_a_power_for_other_procedures_does_not_cover_this_one(identity_app: Flask, api: ApiClient) -> None:
    representative = _web(identity_app, "ciudadana")
    _grant(identity_app, api, representative, tramites="habilitacion_comercial")
    assert _post(representative, "/representacion/", "/representacion/", {"representado": "empresa"}
                 ).status_code == 302  # type: ignore[attr-defined]
    status, _ = _start(representative, KEY, {"nombre": "Distribuidora Norte SRL", "motivo": "Ampliar el local",
                                             "constancia": (io.BytesIO(PDF), "constancia.pdf")})
    assert status == 422
    with identity_app.app_context():
        assert db.session.scalars(select(Instance).where(Instance.process_key == KEY)).all() == []


def test_an_expired_power_admits_the_representative_no_more(identity_app: Flask, api: ApiClient) -> None:
    representative = _web(identity_app, "ciudadana")
    _grant(identity_app, api, representative)
    assert _post(representative, "/representacion/", "/representacion/", {"representado": "empresa"}
                 ).status_code == 302  # type: ignore[attr-defined]
    status, number = _start(representative, KEY, {"nombre": "Distribuidora Norte SRL", "motivo": "Ampliar el local",
                                                  "constancia": (io.BytesIO(PDF), "constancia.pdf")})
    assert status == 302 and representative.client.get(f"/mis-tramites/{number}").status_code == 200
    with identity_app.app_context(), unit_of_work():
        power = db.session.scalars(select(PowerOfAttorney)).one()
        power.valid_from = date.today() - timedelta(days=30)
        power.valid_until = date.today() - timedelta(days=2)
    assert representative.client.get(f"/mis-tramites/{number}").status_code == 404
    assert "Actuando en nombre de" not in representative.client.get("/mis-tramites/").get_data(as_text=True)
    assert "No vigente" in _web(identity_app, "empresa").client.get("/mis-representantes/").get_data(as_text=True)
