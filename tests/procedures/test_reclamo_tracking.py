"""The reclamo's answer on the public tracking page and the citizen's case page; its constancia; the rating."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engine.casefile import tracking
from engine.db import db
from engine.models import AuditEvent
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from engine.workflow import instances
from tests.fixtures.identity import Web
from tests.procedures.conftest import Case, Platform
from tests.procedures.test_reclamo import reclamo

ANSWER = "Se cambió la lámpara de la esquina el martes."
NO_CASE = "AAAA-AAAA-AAAA"


def _answered(platform: Platform, **extra: object) -> tuple[Case, str]:
    """An anonymous reclamo the area answered (closed), and its tracking code."""
    platform.deploy("reclamo")
    case = platform.start("reclamo", reclamo(anonimo=True, **extra))
    case.complete("resolver_alumbrado", {"resultado": "resuelto", "respuesta": ANSWER})
    assert case.status == "completed"
    with platform.app.app_context(), unit_of_work():
        return case, tracking.tracking_code(instances.get(case.id))


def _rate(web: Web, code: str, token: str, **fields: str) -> tuple[int, str]:
    response = web.client.post(f"/seguimiento/{code}/calificar", data={**fields, "csrf_token": token})
    if response.status_code == 302:
        response = web.client.get(response.headers["Location"])
    return response.status_code, response.get_data(as_text=True)


def test_the_anonymous_reclamante_reads_the_answer_downloads_the_constancia_and_rates_once(platform: Platform) -> None:
    case, code = _answered(platform)
    web = Web(platform.app.test_client())
    page = web.client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert ANSWER in page and "Resuelto" in page and "Calificación de la respuesta" in page
    found = re.search(r'href="(/seguimiento/[A-Z0-9-]+/documentos/([^"]+))">Descargar Constancia', page)
    assert found, page
    link, document_id = found.group(1), found.group(2)
    download = web.client.get(link)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert web.client.get(f"/seguimiento/{NO_CASE}/documentos/{document_id}").status_code == 404
    assert web.client.get(f"/seguimiento/{code}/documentos/otro-documento").status_code == 404
    assert web.client.get(f"/seguimiento/{NO_CASE}").status_code == 404
    assert web.client.post(f"/seguimiento/{code}/calificar", data={"calificacion": "5"}).status_code in (400, 403)

    token = web.form_token(f"/seguimiento/{code}")  # the session's: it stays valid once the form is gone
    status, html = _rate(web, code, token, calificacion="9")
    assert status == 422 and "Elija una calificación de 1 a 5." in html
    status, html = _rate(web, code, token, calificacion="4", comentario="Vinieron rápido.")
    assert status == 200 and "Calificó la respuesta con 4 de 5." in html and "Vinieron rápido." in html
    status, html = _rate(web, code, token, calificacion="1")
    assert status == 409 and "Esta respuesta ya fue calificada." in html
    assert "Calificó la respuesta con 4 de 5." in html
    with platform.app.app_context():
        rated = db.session.scalars(select(AuditEvent.actor).where(AuditEvent.instance_id == case.id,
                                                                  AuditEvent.type == "case_rated")).all()
        assert rated == ["seguimiento"]


def test_the_citizen_reads_the_same_answer_and_their_rating_on_their_case_page(platform: Platform) -> None:
    platform.seed_demo_users("ciudadana")
    platform.deploy("reclamo")
    with platform.app.app_context(), unit_of_work():
        ctx = platform.app.extensions[EXTENSION_KEY].engine_context()
        started = instances.start(ctx, "reclamo", reclamo(), "ciudadana")
        case, code = Case(platform, started.id, started.number), tracking.tracking_code(started)
    case.complete("resolver_alumbrado", {"resultado": "resuelto", "respuesta": ANSWER})
    web = Web(platform.app.test_client())
    web.sign_in("ciudadana", "demo-ciudadana")
    waiting = web.client.get(f"/mis-tramites/{case.number}").get_data(as_text=True)
    assert ANSWER in waiting and "Calificar la respuesta" in waiting  # the process's own rating task
    case.complete("calificar", {"calificacion": 5, "comentario": "Muy rápido."})
    page = web.client.get(f"/mis-tramites/{case.number}").get_data(as_text=True)
    assert ANSWER in page and "Calificó la respuesta con 5 de 5." in page and "Muy rápido." in page
    public = web.client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert "Calificó la respuesta con 5 de 5." in public and 'action="/seguimiento/' not in public
    with platform.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == case.id, AuditEvent.type == "case_rated")) == 0
