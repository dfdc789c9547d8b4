"""Personal data through the web, on both databases: a sensitive read recorded and listed by the
auditor, «Mis datos» downloaded, and a rectification carried out by staff."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.identity.accounts import User
from engine.models import AuditEvent, Instance
from engine.privacy.export import FORMAT
from engine.privacy.models import SensitiveRead
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.portal.helpers import BUNDLE, post_start, start_case

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _classified_bundle(tmp_path: Path) -> Path:
    """The portal's test procedure with its name personal and its reason sensitive."""
    folder = tmp_path / "solicitud_portal"
    shutil.copytree(BUNDLE, folder)
    path = folder / "solicitud.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["properties"]["nombre"]["x-datos"] = "personal"
    schema["properties"]["motivo"]["x-datos"] = "sensible"
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture
def api(identity_app: Flask) -> ApiClient:
    return ApiClient(identity_app, make_token(identity_app, "datos-pruebas", "admin"))


@pytest.fixture
def citizen(identity_app: Flask) -> Web:
    web = Web(identity_app.test_client())
    web.sign_in("ciudadana", password_of("ciudadana"))
    return web


def _staff(app: Flask, name: str) -> Web:
    web = Web(app.test_client())
    web.sign_in(name, password_of(name))
    return web


def _reads(app: Flask) -> list[SensitiveRead]:
    with app.app_context():
        return list(db.session.scalars(select(SensitiveRead).order_by(SensitiveRead.id)))


def test_staff_reading_a_sensitive_field_leaves_a_record_the_auditor_lists(
        identity_app: Flask, api: ApiClient, citizen: Web, tmp_path: Path) -> None:
    assert api.deploy(_classified_bundle(tmp_path)).status_code == 201
    number = start_case(citizen, motivo="Tratamiento médico prolongado")
    assert _reads(identity_app) == []  # the citizen's own pages record nothing
    mesa = _staff(identity_app, "mesa")
    page = mesa.client.get(f"/bandeja/expedientes/{number}")
    assert page.status_code == 200 and "Tratamiento médico prolongado" in page.get_data(as_text=True)
    found = _reads(identity_app)
    assert [(r.reader, r.case_number, r.field, r.view) for r in found] == [("mesa", number, "motivo", "expediente")]

    auditor = _staff(identity_app, "auditor")
    listing = auditor.client.get("/auditoria/lecturas/?lector=mesa")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and number in html and "motivo" in html and "Vista del expediente" in html
    assert "Tratamiento médico" not in html  # the list names the field, never its value
    assert number not in auditor.client.get("/auditoria/lecturas/?lector=otra").get_data(as_text=True)
    csv = auditor.client.get(f"/auditoria/lecturas/lecturas.csv?expediente={number}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Fecha y hora;Quién leyó;Expediente;Campo;Dónde"
    assert lines[1].endswith(f";mesa;{number};motivo;Vista del expediente")
    task = api.ready_task(_instance_id(identity_app, number), "revisar")
    assert mesa.client.get(f"/bandeja/tareas/{task['id']}").status_code == 200
    assert mesa.client.get(f"/bandeja/expedientes/{number}/expediente.pdf").status_code == 200
    assert [r.view for r in _reads(identity_app)] == ["expediente", "tarea", "expediente_pdf"]
    only_tasks = auditor.client.get(f"/auditoria/lecturas/lecturas.csv?expediente={number}&desde=2000-01-01")
    assert only_tasks.get_data(as_text=True).count(f";mesa;{number};motivo;") == 3
    assert auditor.client.get("/auditoria/lecturas/?desde=ayer").status_code == 400
    assert mesa.client.get("/auditoria/lecturas/").status_code == 403


def test_mis_datos_downloads_everything_about_the_person_as_json(
        identity_app: Flask, api: ApiClient, citizen: Web, tmp_path: Path) -> None:
    assert api.deploy(_classified_bundle(tmp_path)).status_code == 201
    number = start_case(citizen, nombre="Ana Pérez")
    saved = post_start(citizen, {"$/nombre": "Ana Borrador", "$/motivo": "Lo termino mañana"}, accion="guardar")
    assert saved.status_code in (200, 302, 303)
    page = citizen.client.get("/mis-datos/")
    assert page.status_code == 200 and "Descargar mis datos (JSON)" in page.get_data(as_text=True)
    response = citizen.client.get("/mis-datos/mis-datos.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["formato"] == FORMAT
    assert data["cuenta"]["usuario"] == "ciudadana" and data["cuenta"]["correo"] == "ciudadana@example.com"
    assert "password_hash" not in json.dumps(data)
    [case] = data["tramites"]
    assert case["expediente"] == number and case["datos"]["nombre"] == "Ana Pérez"
    assert case["codigo_de_seguimiento"]
    [document] = case["documentos"]
    assert document["archivo"] == "constancia.pdf" and document["enlace"].endswith(
        f"/mis-tramites/{number}/documentos/" + document["enlace"].rsplit("/", 1)[1])
    assert citizen.client.get(document["enlace"].split("://", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 200
    assert [n["tipo"] for n in data["notificaciones"]["lista"]] and data["sesiones"]
    assert any(e["tipo"] == "instance_started" and e["propio"] for e in data["eventos_de_auditoria"])
    assert [(d["procedimiento"], d["datos"]["nombre"]) for d in data["borradores"]] == [
        ("solicitud_portal", "Ana Borrador")]
    for section in ("borradores", "archivos_sin_presentar", "calificaciones", "lecturas_de_datos_sensibles"):
        assert isinstance(data[section], list)
    again = json.loads(citizen.client.get("/mis-datos/mis-datos.json").get_data(as_text=True))
    assert [e["tipo"] for e in again["eventos_de_auditoria"]].count("personal_data_exported") == 1
    other = _staff(identity_app, "mesa").client.get("/mis-datos/mis-datos.json")
    assert [t["expediente"] for t in json.loads(other.get_data(as_text=True))["tramites"]] == []


def _start_rectification(citizen: Web, fields: dict[str, str]) -> str:
    page = citizen.client.get("/iniciar/rectificacion_datos")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    data = {"csrf_token": csrf_in(page.get_data(as_text=True)), "tramite": "rectificacion_datos", "!o": "1",
            "accion": "enviar", **{f"$/{k}": v for k, v in fields.items()}}
    response = citizen.client.post("/iniciar", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return str(response.headers["Location"].split("/mis-tramites/")[1].split("?")[0])


def _instance_id(app: Flask, number: str) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Instance.id).where(Instance.number == number)))


def test_a_rectification_staff_accept_changes_the_profile_and_answers_the_person(
        identity_app: Flask, api: ApiClient, citizen: Web) -> None:
    assert api.deploy(PROCESSES / "rectificacion_datos").status_code == 201
    number = _start_rectification(citizen, {"descripcion": "Mi nombre figura mal escrito.",
                                            "nombre_correcto": "Ciudadana Gómez", "correo_correcto": "cg@example.com"})
    assert number in citizen.client.get("/mis-tramites/").get_data(as_text=True)
    task = api.ready_task(_instance_id(identity_app, number), "revisar_pedido")
    assert task["candidate_group"] == "atencion_vecino"
    answer = {"decision": "aplicar", "respuesta": "Corregimos su nombre y su correo."}
    assert api.complete(task["id"], answer).status_code == 200
    with identity_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "ciudadana"))
        assert user is not None and (user.display_name, user.email) == ("Ciudadana Gómez", "cg@example.com")
        instance = db.session.scalar(select(Instance).where(Instance.number == number))
        assert instance is not None and instance.status == "completed"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                           AuditEvent.type == "personal_data_rectified"))
        assert event is not None and event.data["antes"]["display_name"] == "Ciudadana"
    detail = citizen.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    assert "Corregimos su nombre y su correo." in detail


def test_a_refused_rectification_changes_nothing(identity_app: Flask, api: ApiClient, citizen: Web) -> None:
    assert api.deploy(PROCESSES / "rectificacion_datos").status_code == 201
    number = _start_rectification(citizen, {"descripcion": "Mi nombre figura mal escrito.",
                                            "nombre_correcto": "Otra Persona"})
    task = api.ready_task(_instance_id(identity_app, number), "revisar_pedido")
    assert api.complete(task["id"], {"decision": "rechazar",
                                     "respuesta": "Su DNI muestra el nombre que figura."}).status_code == 200
    with identity_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "ciudadana"))
        assert user is not None and user.display_name == "Ciudadana"
