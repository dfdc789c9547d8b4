"""Incidents (list and retry) and the supervisors' dashboard (tables, charts, CSV)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from connectors.testing import EchoConnector
from engine.db import db
from engine.models import Incident
from tests.fixtures.identity import csrf_in
from tests.worklists.helpers import Staffed, text_of


def _failed_case(staff: Staffed) -> str:
    staff.app.extensions["tramites"].connectors.register(EchoConnector)
    assert staff.api.deploy("svc_fallar").status_code == 201
    response = staff.api.start("svc_fallar", {"tipo": "permanente", "mensaje": "CUIT inexistente"})
    assert response.status_code == 201, response.get_json()
    number: str = response.get_json()["number"]
    return number


def test_supervisors_list_and_retry_incidents(staff: Staffed) -> None:
    number = _failed_case(staff)
    supervisor = staff.web("supervisora")
    page = text_of(supervisor.client.get("/bandeja/incidentes/"))
    assert number in page and "CUIT inexistente" in page and "llamar" in page
    # the case is of no group of hers: its number is shown, not linked to a page that would be 404
    link = f'href="/bandeja/expedientes/{number}"'
    assert link not in supervisor.client.get("/bandeja/incidentes/").get_data(as_text=True)
    assert link in staff.web("admin").client.get("/bandeja/incidentes/").get_data(as_text=True)
    with staff.app.app_context():
        incident_id = db.session.query(Incident).one().id
    token = csrf_in(supervisor.client.get("/bandeja/incidentes/").get_data(as_text=True))
    response = supervisor.client.post("/bandeja/incidentes/reintentar", data={"incidente": incident_id,
                                                                             "csrf_token": token})
    assert response.status_code == 303
    assert "El paso volvió a fallar" in text_of(supervisor.client.get("/bandeja/incidentes/"))
    with staff.app.app_context():
        assert db.session.get(Incident, incident_id).attempts == 2


def test_staff_see_only_incidents_of_their_groups_cases(staff: Staffed) -> None:
    number = _failed_case(staff)
    mesa = staff.web("mesa")
    assert number not in mesa.client.get("/bandeja/incidentes/").get_data(as_text=True)
    with staff.app.app_context():
        incident_id = db.session.query(Incident).one().id
    token = csrf_in(mesa.client.get("/bandeja/incidentes/").get_data(as_text=True))
    refused = mesa.client.post("/bandeja/incidentes/reintentar", data={"incidente": incident_id, "csrf_token": token})
    assert refused.status_code == 404


def test_the_dashboard_counts_backlog_throughput_and_time_in_step(staff: Staffed) -> None:
    numbers = staff.start(3)
    done = staff.task_of(numbers[0])
    assert staff.api.complete(done.id, {"completo": True}).status_code == 200
    supervisor = staff.web("supervisora")
    page = supervisor.client.get("/bandeja/tablero/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and 'class="bar"' in html
    text = text_of(page)
    # Procedures by their name, groups by their display name, weeks by their Monday (dd/mm/aaaa).
    assert "Revisión en mesa de entradas Mesa de Entradas 2 0" in text and "Revisar solicitud 1" in text
    assert "revision_mesa" not in text and "mesa_entradas" not in text and "-W" not in text
    csv = supervisor.client.get("/bandeja/tablero/pendientes.csv")
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    assert csv.get_data().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines == ["Trámite;Grupo;Abiertas;Vencidas", "Revisión en mesa de entradas;Mesa de Entradas;2;0"]
    weekly = supervisor.client.get("/bandeja/tablero/resueltas.csv").get_data(as_text=True).splitlines()
    today = datetime.now(ZoneInfo("America/Argentina/Tucuman")).date()
    monday = (today - timedelta(days=today.weekday())).strftime("%d/%m/%Y")
    assert weekly[1:] == [f"Revisión en mesa de entradas;Mesa de Entradas;{monday};1"]
    assert f"Semana del {monday}" in text
    times = supervisor.client.get("/bandeja/tablero/tiempos.csv").get_data(as_text=True).splitlines()
    assert times[1] == "Revisión en mesa de entradas;Mesa de Entradas;Revisar solicitud;1;0"
    assert supervisor.client.get("/bandeja/tablero/otra.csv").status_code == 404
    assert staff.web("mesa").client.get("/bandeja/tablero/").status_code == 403
