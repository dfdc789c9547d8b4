"""The analysts' test cases (the studio's «Probar» page of a version, which ``/estudio/pruebas/`` lists):
start, act as every role, move the clock, delete; test cases stay out of inboxes, counts and the dashboard."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.models import Instance, Task
from tests.fixtures.identity import Web, csrf_in
from tests.worklists.helpers import GROUP, KEY, Staffed, text_of

PAGE = f"/estudio/probar/{KEY}/1"


def _start_test_case(web: Web) -> str:
    response = web.post_form(PAGE, {}, token_from=PAGE)
    assert response.status_code == 303 and "/estudio/probar/casos/" in response.headers["Location"], text_of(response)
    page = text_of(web.client.get(PAGE))
    found = re.search(r"PRUEBA-[0-9A-F]{8}-REV", page)
    assert found, page
    return found.group(0)


def _case(staff: Staffed, number: str) -> tuple[str, list[Task]]:
    with staff.app.app_context():
        instance = db.session.query(Instance).filter_by(number=number).one()
        tasks = db.session.query(Task).filter_by(instance_id=instance.id, status="ready").all()
        db.session.expunge_all()
        return instance.id, tasks


def _complete(web: Web, task_id: str, fields: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_in(web.client.get(f"/bandeja/tareas/{task_id}").get_data(as_text=True))
    return web.client.post("/bandeja/tareas/completar", data={**fields, "tarea": task_id, "csrf_token": token},
                           content_type="multipart/form-data")


def test_an_analyst_starts_a_test_case_and_plays_every_role(staff: Staffed) -> None:
    analyst = staff.web("analista")
    index = analyst.client.get("/estudio/pruebas/")
    assert index.status_code == 200 and "versión 1" in text_of(index) and f'href="{PAGE}"' in index.get_data(True)
    old = analyst.client.get(f"/estudio/pruebas/{KEY}/1")  # the address of the page before the studio's
    assert old.status_code == 301 and old.headers["Location"] == PAGE
    number = _start_test_case(analyst)
    instance_id, tasks = _case(staff, number)
    [review] = tasks
    page = analyst.client.get(f"/bandeja/tareas/{review.id}")
    assert page.status_code == 200 and "CASO DE PRUEBA" in text_of(page)
    done = _complete(analyst, review.id, {"!o": "1", "!b/completo": "1"})  # unchecked: a correction is asked
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/estudio/probar/casos/{instance_id}")
    [correction] = _case(staff, number)[1]
    assert correction.for_applicant  # the citizen's task, done by the analyst on the same page
    again = _complete(analyst, correction.id, {"!o": "1", "$/respuesta": "Adjunto lo pedido"})
    assert again.status_code == 303, text_of(again)
    [review_again] = _case(staff, number)[1]
    assert review_again.element_id == "revisar"
    finished = _complete(analyst, review_again.id, {"!o": "1", "!b/completo": "1", "$/completo": "true",
                                                           "$/observaciones": "Bien"})
    assert finished.status_code == 303
    with staff.app.app_context():
        assert db.session.get(Instance, instance_id).status == "completed"  # type: ignore[union-attr]


def test_test_cases_stay_out_of_inboxes_counts_and_the_dashboard(staff: Staffed) -> None:
    real = staff.start(1)[0]
    analyst = staff.web("analista")
    test_number = _start_test_case(analyst)
    mesa = staff.web("mesa")
    inbox = text_of(mesa.client.get(f"/bandeja/?bandeja={GROUP}"))
    assert real in inbox and test_number not in inbox
    supervisor = staff.web("supervisora")
    csv = supervisor.client.get("/bandeja/tablero/pendientes.csv").get_data(as_text=True).splitlines()
    assert csv[1] == "Revisión en mesa de entradas;Mesa de Entradas;1;0"  # the real case only
    listed = staff.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"]
    assert [i["number"] for i in listed] == [real]  # the integration API leaves it out too
    asked = staff.api.get(f"/api/v1/instances?process={KEY}&test_cases=true").get_json()["items"]
    assert {i["number"]: i["is_test"] for i in asked}[test_number] is True


def test_moving_the_clock_and_deleting_from_the_page(staff: Staffed) -> None:
    analyst = staff.web("analista")
    number = _start_test_case(analyst)
    instance_id, [review] = _case(staff, number)
    moved = analyst.post_form(f"/estudio/probar/casos/{instance_id}/reloj", {"cantidad": "2", "unidad": "dias"},
                              token_from=PAGE)
    assert moved.status_code == 303
    assert "Se adelantó el reloj de " + number in text_of(analyst.client.get(f"/estudio/probar/casos/{instance_id}"))
    with staff.app.app_context():
        assert db.session.get(Instance, instance_id).clock_offset == 2 * 86400  # type: ignore[union-attr]
    refused = analyst.post_form(f"/estudio/probar/casos/{instance_id}/reloj", {"cantidad": "0", "unidad": "dias"},
                                token_from=PAGE)
    assert refused.status_code == 303
    assert "Indique cuánto adelantar" in text_of(analyst.client.get(f"/estudio/probar/casos/{instance_id}"))
    gone = analyst.post_form(f"/estudio/probar/casos/{instance_id}/borrar", {}, token_from=PAGE)
    assert gone.status_code == 303
    page = text_of(analyst.client.get(PAGE))
    assert f"Se borró el caso de prueba {number}" in page and "Esta versión no tiene casos de prueba" in page
    with staff.app.app_context():
        assert db.session.get(Instance, instance_id) is None
        assert db.session.query(Task).filter_by(instance_id=instance_id).count() == 0


def test_a_real_case_is_not_an_analysts_to_move_delete_or_work(staff: Staffed) -> None:
    real = staff.start(1)[0]
    instance_id, [task] = _case(staff, real)
    analyst = staff.web("analista")
    _start_test_case(analyst)
    moved = analyst.post_form(f"/estudio/probar/casos/{instance_id}/reloj", {"cantidad": "1", "unidad": "dias"},
                              token_from=PAGE)
    assert moved.status_code == 404  # a real case is no test case of anyone's
    assert analyst.post_form(f"/estudio/probar/casos/{instance_id}/borrar", {}, token_from=PAGE).status_code == 404
    assert analyst.client.get(f"/bandeja/tareas/{task.id}").status_code == 404


def test_citizens_and_staff_cannot_open_the_test_pages(staff: Staffed) -> None:
    analyst = staff.web("analista")
    number = _start_test_case(analyst)
    instance_id, [review] = _case(staff, number)
    for who in ("ciudadana", "mesa"):
        web = staff.web(who)
        assert web.client.get("/estudio/pruebas/").status_code == 403
        assert web.client.get(PAGE).status_code == 403
    mesa = staff.web("mesa")  # a member of the group still never sees a test case's task
    assert mesa.client.get(f"/bandeja/tareas/{review.id}").status_code == 404
    admin = staff.web("admin")
    assert admin.client.get(PAGE).status_code == 200


def test_due_dates_of_a_moved_case_follow_its_clock(staff: Staffed) -> None:
    analyst = staff.web("analista")
    number = _start_test_case(analyst)
    instance_id, [first] = _case(staff, number)
    assert staff.api.post(f"/api/v1/instances/{instance_id}/clock", json={"advance": "P14D"}).status_code == 200
    assert _complete(analyst, first.id, {"!o": "1", "!b/completo": "1"}).status_code == 303
    [correction] = _case(staff, number)[1]
    assert _complete(analyst, correction.id, {"!o": "1", "$/respuesta": "Listo"}).status_code == 303
    [second] = _case(staff, number)[1]
    assert first.due_at is not None and second.due_at is not None
    # Three business days from a clock two weeks ahead (ten business days): far past the first due date,
    # where the platform's own clock would have given (nearly) the same date again.
    assert second.due_at - first.due_at >= timedelta(days=10), (first.due_at, second.due_at)


def test_the_page_moves_the_clock_by_business_days(staff: Staffed) -> None:
    analyst = staff.web("analista")
    number = _start_test_case(analyst)
    instance_id, _tasks = _case(staff, number)
    moved = analyst.post_form(f"/estudio/probar/casos/{instance_id}/reloj",
                              {"cantidad": "5", "unidad": "dias_habiles"}, token_from=PAGE)
    assert moved.status_code == 303
    with staff.app.app_context():
        offset = db.session.get(Instance, instance_id).clock_offset  # type: ignore[union-attr]
        calendar = city_calendar(staff.app.extensions["tramites"].settings["TIMEZONE"])
        today = calendar.local_date(datetime.now(UTC))
        expected = (calendar.add_business_days(today, 5) - today).days
    assert expected >= 5 and offset == expected * 86400  # whole days, weekends and holidays skipped


def test_the_start_form_of_the_version_is_the_real_one(staff: Staffed) -> None:
    bundle = Path(__file__).resolve().parents[1] / "data" / "bundles" / "prueba_reloj"
    assert staff.api.deploy(bundle).status_code == 201
    page = "/estudio/probar/prueba_reloj/1"
    analyst = staff.web("analista")
    assert 'name="$/correo"' in analyst.client.get(page).get_data(as_text=True)
    refused = analyst.post_form(page, {"!o": "1", "$/correo": "no es un correo"}, token_from=page)
    assert refused.status_code == 422 and "Hay datos que corregir" in text_of(refused)
    started = analyst.post_form(page, {"!o": "1", "$/correo": "prueba@example.com"}, token_from=page)
    assert started.status_code == 303, text_of(started)
    with staff.app.app_context():
        case = db.session.query(Instance).filter_by(process_key="prueba_reloj").one()
        assert case.is_test and case.started_by == "analista" and case.data["correo"] == "prueba@example.com"
