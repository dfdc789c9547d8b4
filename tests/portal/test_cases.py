"""Mis trámites, the case page, documents, tasks for the citizen, the tracking page and Novedades."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from sqlalchemy import select

from engine.casefile import expediente
from engine.dates import date_text
from engine.db import db, utcnow
from engine.deadlines.holidays import city_calendar
from engine.identity.accounts import ensure_user
from engine.models import Instance
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.portal.helpers import PDF, deploy, start_case, upload

OTHER = "vecino"


@pytest.fixture
def started(identity_app: Flask) -> tuple[Web, ApiClient, str]:
    api = deploy(identity_app)
    with identity_app.app_context(), unit_of_work():
        ensure_user(OTHER, display_name="Vecino", password=password_of(OTHER), email="vecino@example.com",
                    roles=("citizen",), groups=())
    web = Web(identity_app.test_client())
    web.sign_in("ciudadana", password_of("ciudadana"))
    return web, api, start_case(web)


def _instance_id(api: ApiClient, number: str) -> str:
    found = [i for i in api.get("/api/v1/instances?per_page=100").get_json()["items"] if i["number"] == number]
    return str(found[0]["id"])


def _ask_correction(api: ApiClient, number: str) -> None:
    instance_id = _instance_id(api, number)
    task = api.ready_task(instance_id, "revisar")
    assert api.complete(task["id"], {"completo": False, "observaciones": "Falta firma"}).status_code == 200


def test_mis_tramites_lists_the_case_in_plain_words(started: tuple[Web, ApiClient, str]) -> None:
    web, _, number = started
    html = web.client.get("/mis-tramites/").get_data(as_text=True)
    assert number in html and "Solicitud de prueba del portal" in html and "En trámite" in html
    assert "En revisión: Revisar solicitud" in html and "Fecha estimada:" in html


def test_the_case_page_shows_data_documents_timeline_and_tracking_code(started: tuple[Web, ApiClient, str]) -> None:
    web, _, number = started
    html = web.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    assert "Ana Pérez" in html and "constancia.pdf" in html and "Se inició el trámite" in html
    assert re.search(r'class="codigo">[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}<', html)
    link = re.search(r'href="(/mis-tramites/[^"]+/documentos/[^"]+)"', html)
    assert link is not None
    download = web.client.get(link.group(1))
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"] == \
        "attachment; filename=\"constancia.pdf\"; filename*=UTF-8''constancia.pdf"


def test_another_citizen_gets_404_for_the_case_its_documents_and_tasks(started: tuple[Web, ApiClient, str],
                                                                       identity_app: Flask) -> None:
    web, api, number = started
    _ask_correction(api, number)
    html = web.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    document = re.search(r'href="(/mis-tramites/[^"]+/documentos/[^"]+)"', html)
    task = re.search(r'href="(/mis-tramites/[^"]+/tareas/[^"]+)"', html)
    assert document is not None and task is not None
    other = Web(identity_app.test_client())
    other.sign_in(OTHER, password_of(OTHER))
    for path in (f"/mis-tramites/{number}", document.group(1), task.group(1)):
        assert other.client.get(path).status_code == 404, path
    token = csrf_in(other.client.get("/mis-tramites/").get_data(as_text=True))
    number_, task_id = task.group(1).split("/")[2], task.group(1).split("/")[4]
    posted = other.client.post("/mis-tramites/tareas", data={"csrf_token": token, "expediente": number_,
                                                             "tarea": task_id, "$/respuesta": "x"})
    assert posted.status_code == 404
    assert number not in other.client.get("/mis-tramites/").get_data(as_text=True)


def test_a_correction_asked_by_staff_is_answered_from_the_portal(started: tuple[Web, ApiClient, str]) -> None:
    web, api, number = started
    _ask_correction(api, number)
    listing = web.client.get("/mis-tramites/").get_data(as_text=True)
    assert "Esperando una acción suya: Corregir la solicitud" in listing
    assert "Pendiente: Corregir la solicitud" in listing
    task = re.search(r'href="(/mis-tramites/[^"]+/tareas/[^"]+)"', listing)
    assert task is not None
    page = web.client.get(task.group(1)).get_data(as_text=True)
    fields = {"csrf_token": csrf_in(page), "expediente": number, "tarea": task.group(1).rsplit("/", 1)[1], "!o": "1"}
    empty = web.client.post("/mis-tramites/tareas", data={**fields, "$/respuesta": ""})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.get_data(as_text=True)
    done = web.client.post("/mis-tramites/tareas", data={**fields, "$/respuesta": "Adjunto la firma"})
    assert done.status_code == 302
    assert "En revisión: Revisar solicitud" in web.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    instance = api.instance(_instance_id(api, number))
    assert [t["element_id"] for t in instance["tasks"]] == ["revisar"]


def test_the_tracking_page_is_public_and_shows_no_personal_data(started: tuple[Web, ApiClient, str],
                                                                identity_app: Flask) -> None:
    web, _, number = started
    html = web.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    code = re.search(r'class="codigo">([^<]+)<', html)
    assert code is not None
    anonymous = identity_app.test_client()
    page = anonymous.get(f"/seguimiento/{code.group(1)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and number in text and "Solicitud de prueba del portal" in text
    assert "En trámite" in text and "Se inició el trámite" in text and "Fecha estimada" in text
    assert "Ana Pérez" not in text and "ciudadana" not in text.lower() and "constancia.pdf" not in text
    typed = anonymous.get("/seguimiento/?codigo=" + code.group(1).lower().replace("-", " "))
    assert typed.status_code == 302
    assert anonymous.get("/seguimiento/ABCD-EFGH-JKMN").status_code == 404
    assert "No encontramos" in anonymous.get("/seguimiento/?codigo=nada").get_data(as_text=True)


def test_novedades_come_from_the_audit_trail_with_an_unread_count(started: tuple[Web, ApiClient, str]) -> None:
    web, api, number = started
    _ask_correction(api, number)
    home = web.client.get("/").get_data(as_text=True)
    assert re.search(r'id="novedades-sin-leer">2<', home)  # started, correction asked
    html = web.client.get("/novedades/").get_data(as_text=True)
    assert "Se inició el trámite" in html and "Pasó a la etapa «Corregir la solicitud»" in html
    assert "Revisar solicitud" not in html  # a staff step is not news for the citizen
    token = csrf_in(html)
    assert web.client.post("/novedades/leidas", data={"csrf_token": token}).status_code == 302
    assert re.search(r'id="novedades-sin-leer">0<', web.client.get("/").get_data(as_text=True))


def test_a_certificate_and_a_staff_document_are_news_and_can_be_downloaded(started: tuple[Web, ApiClient, str],
                                                                           identity_app: Flask) -> None:
    web, _, number = started
    certificate_pdf, report = PDF + b"%certificado", PDF + b"%informe"
    with identity_app.app_context(), unit_of_work():
        instance = db.session.scalar(select(Instance).where(Instance.number == number))
        assert instance is not None
        store = identity_app.extensions["tramites"].documents.store
        key = store.put(io.BytesIO(certificate_pdf))
        expediente.register_certificate(instance.id, {
            "clave": key, "sha256": key, "codigo": "ABCD-EFGH-JKLM-NPQR", "titulo": "Certificado de prueba",
            "fecha_emision": utcnow().isoformat(), "bytes": len(certificate_pdf)}, "proceso:emitir", number)
        report_key = store.put(io.BytesIO(report))
        expediente.add_document(instance.id, expediente.NewDocument(
            kind="attached", title="Informe de inspección", filename="informe.pdf", content_type="application/pdf",
            size=len(report), sha256=report_key, storage_key=report_key), "mesa")
    html = web.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Descargar Certificado de prueba<', html)
    assert link is not None and web.client.get(link.group(1)).data == certificate_pdf
    news = web.client.get("/novedades/").get_data(as_text=True)
    assert "Se emitió el certificado «Certificado de prueba»" in news
    assert "Se agregó el documento «Informe de inspección»" in news
    assert "constancia" not in news  # what the citizen uploaded is not news to them


def test_a_task_form_file_uploads_with_progress_only_for_the_owner(started: tuple[Web, ApiClient, str],
                                                                   identity_app: Flask) -> None:
    web, api, number = started
    _ask_correction(api, number)
    listing = web.client.get("/mis-tramites/").get_data(as_text=True)
    task = re.search(r'href="(/mis-tramites/[^"]+/tareas/([^"]+))"', listing)
    assert task is not None
    endpoint = f"/mis-tramites/tareas/archivo?expediente={number}&tarea={task.group(2)}"
    answer = upload(web, PDF, "firma.pdf", page=task.group(1), endpoint=endpoint)
    assert answer.status_code == 201 and answer.get_json()["referencia"]["name"] == "firma.pdf"
    other = Web(identity_app.test_client())
    other.sign_in(OTHER, password_of(OTHER))
    assert upload(other, PDF, "x.pdf", page="/mis-tramites/", endpoint=endpoint).status_code == 404


def test_a_dropped_case_says_so_everywhere(started: tuple[Web, ApiClient, str], identity_app: Flask) -> None:
    web, api, number = started
    instance_id = _instance_id(api, number)
    dropped = api.post(f"/api/v1/instances/{instance_id}:terminate", json={"reason": "pedido duplicado"})
    assert dropped.status_code == 200
    listed = web.client.get("/mis-tramites/").get_data(as_text=True)
    assert "Dado de baja" in listed and f"Finalizó el {_city_today(identity_app)}" in listed
    assert "El trámite fue dado de baja" in web.client.get("/novedades/").get_data(as_text=True)


def test_an_uploaded_document_is_titled_by_its_field_in_the_form(started: tuple[Web, ApiClient, str]) -> None:
    """The expediente names a document by the form's title of its field («Foto del árbol»), not by
    the field's name in the data («foto_del_arbol» made «Foto del arbol»)."""
    web, _, number = started
    html = web.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    assert "Constancia (PDF o imagen): constancia.pdf" in html
    assert "Se agregó el documento «Constancia (PDF o imagen): constancia.pdf»" in html


def test_a_finished_case_names_the_end_it_reached(started: tuple[Web, ApiClient, str],
                                                  identity_app: Flask) -> None:
    """The analyst names each end for its outcome («Solicitud aprobada»): the citizen reads it, as
    the studio's test cases show it, not a bare «Finalizado»."""
    web, api, number = started
    task = api.ready_task(_instance_id(api, number), "revisar")
    assert api.complete(task["id"], {"completo": True}).status_code == 200
    page = web.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    assert "Finalizado: Solicitud aprobada" in page
    assert "Finalizado: Solicitud aprobada" in web.client.get("/mis-tramites/").get_data(as_text=True)
    code = re.search(r'class="codigo">([^<]+)<', page)
    assert code is not None
    tracking = identity_app.test_client().get(f"/seguimiento/{code.group(1)}").get_data(as_text=True)
    assert "Finalizado: Solicitud aprobada" in tracking
    # when it ended, not when it was expected to
    today = _city_today(identity_app)
    for html in (page, tracking):
        assert f"<dt>Fecha de finalización</dt><dd>{today}</dd>" in html and "Fecha estimada" not in html
    listed = web.client.get("/mis-tramites/").get_data(as_text=True)
    assert f"Finalizó el {today}" in listed and "Fecha estimada" not in listed


def _city_today(app: Flask) -> str:
    with app.app_context():
        return date_text(city_calendar(app.config["TRAMITES"]["TIMEZONE"]).local_date(utcnow()))


@pytest.mark.parametrize(("who", "status"), [("mesa", 200), ("auditor", 200), ("analista", 404)])
def test_staff_of_the_case_and_auditors_may_read_it_others_not(started: tuple[Web, ApiClient, str],
                                                               identity_app: Flask, who: str, status: int) -> None:
    web, _, number = started
    document = re.search(r'href="(/mis-tramites/[^"]+/documentos/[^"]+)"',
                         web.client.get(f"/mis-tramites/{number}").get_data(as_text=True))
    assert document is not None
    reader = Web(identity_app.test_client())
    reader.sign_in(who, password_of(who))
    assert reader.client.get(f"/mis-tramites/{number}").status_code == status
    assert reader.client.get(document.group(1)).status_code == status
