"""The inboxes: group and own tasks, filters, pages, counts; claim, release, assign, in bulk too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from engine.db import db, utcnow
from engine.models import AuditEvent, Task
from tests.fixtures.identity import csrf_in
from tests.worklists.helpers import GROUP, Staffed, text_of


def _act(web, path: str, data: dict | None = None, back: str = "/bandeja/") -> object:  # type: ignore[no-untyped-def]
    """Post a verb (``tomar``, ``tareas/<id>/liberar``…) as the inbox's buttons do."""
    token = csrf_in(web.client.get("/bandeja/").get_data(as_text=True))
    return web.client.post(f"/bandeja/{path}", data={**(data or {}), "csrf_token": token, "volver": back})


def test_the_group_inbox_lists_open_tasks_with_counts(staff: Staffed) -> None:
    numbers = staff.start(3)
    web = staff.web("mesa")
    page = text_of(web.client.get("/bandeja/"))
    assert all(n in page for n in numbers)
    assert "Mesa de Entradas (3)" in page and "Mis tareas (0)" in page
    assert "Revisar solicitud" in page and "Revisión en mesa de entradas" in page
    # The task's priority property (2 in the model) is a word, not a number.
    html = web.client.get("/bandeja/").get_data(as_text=True)
    assert html.count('">Urgente</td>') == 3


def test_filters_sort_and_text_search(staff: Staffed) -> None:
    first, second = staff.start(2)
    with staff.app.app_context():
        db.session.execute(update(Task).where(Task.instance.has(number=first))
                           .values(due_at=utcnow() - timedelta(days=1), priority=9))
        db.session.commit()
    web = staff.web("mesa")
    overdue = text_of(web.client.get("/bandeja/?vencidas=1"))
    assert first in overdue and second not in overdue and "Vencida" in overdue
    found = text_of(web.client.get(f"/bandeja/?q={second.split('-')[2]}"))
    assert second in found and first not in found
    by_priority = web.client.get("/bandeja/?orden=prioridad").get_data(as_text=True)
    assert by_priority.index(first) < by_priority.index(second)
    reverse = web.client.get("/bandeja/?orden=prioridad&desc=1").get_data(as_text=True)
    assert reverse.index(second) < reverse.index(first)
    assert 'aria-sort="descending"' in reverse and "orden=prioridad" in by_priority  # headers sort too
    assert second in text_of(web.client.get("/bandeja/?estado=sin_asignar&tramite=revision_mesa"))
    assert "No hay tareas" in text_of(web.client.get("/bandeja/?tramite=otro_tramite"))


def test_a_bad_filter_is_a_message_next_to_its_field_not_an_error(staff: Staffed) -> None:
    staff.start(1)
    response = staff.web("mesa").client.get("/bandeja/?vence_antes=ayer&prioridad=altisima")
    assert response.status_code == 200
    page = text_of(response)
    assert "Escriba la fecha como AAAA-MM-DD." in page and "Elija una prioridad de la lista." in page


def test_minimum_priority_is_chosen_by_name_and_old_numeric_links_still_work(staff: Staffed) -> None:
    normal, high, urgent = staff.start(3)
    with staff.app.app_context():
        for number, level in ((normal, 0), (high, 1), (urgent, 5)):
            db.session.execute(update(Task).where(Task.instance.has(number=number)).values(priority=level))
        db.session.commit()
    web = staff.web("mesa")
    form = web.client.get("/bandeja/").get_data(as_text=True)
    assert '<select id="f-prioridad" name="prioridad"' in form and 'name="prioridad" inputmode' not in form
    assert all(f'<option value="{word}">' in form for word in ("normal", "alta", "urgente"))
    by_name = web.client.get("/bandeja/?prioridad=alta").get_data(as_text=True)
    assert high in by_name and urgent in by_name and normal not in by_name
    assert '<option value="alta" selected>Alta o más</option>' in by_name
    old_link = web.client.get("/bandeja/?prioridad=1").get_data(as_text=True)
    assert high in old_link and urgent in old_link and normal not in old_link
    assert '<option value="alta" selected>' in old_link and "prioridad=alta" in old_link  # links carry the word
    odd = web.client.get("/bandeja/?prioridad=3").get_data(as_text=True)
    assert urgent in odd and high not in odd and '<option value="3" selected>Prioridad 3 o más</option>' in odd
    assert "prioridad=3" in odd


def test_pages_of_twenty_five(staff: Staffed) -> None:
    numbers = staff.start(27)
    web = staff.web("mesa")
    first = web.client.get("/bandeja/?orden=expediente").get_data(as_text=True)
    assert numbers[0] in first and numbers[26] not in first and 'rel="next"' in first
    second = web.client.get("/bandeja/?orden=expediente&pagina=2").get_data(as_text=True)
    assert numbers[26] in second and numbers[0] not in second and 'rel="next"' not in second


def test_claim_then_release_without_javascript(staff: Staffed) -> None:
    number = staff.start(1)[0]
    task = staff.task_of(number)
    web = staff.web("mesa")
    response = _act(web, f"tareas/{task.id}/tomar")
    assert response.status_code == 303 and response.headers["Location"] == "/bandeja/"
    page = text_of(web.client.get("/bandeja/?bandeja=mias"))
    assert "Tareas tomadas: 1." in page and number in page and "Mis tareas (1)" in page
    other = staff.web("colega")
    _act(other, f"tareas/{task.id}/tomar")
    assert "La tarea ya fue tomada por mesa." in text_of(other.client.get("/bandeja/"))
    _act(web, f"tareas/{task.id}/liberar")
    assert staff.task_of(number).assignee is None


def test_bulk_claim_and_a_supervisor_assigns_to_a_colleague(staff: Staffed) -> None:
    numbers = staff.start(3)
    ids = [staff.task_of(n).id for n in numbers]
    web = staff.web("mesa")
    response = _act(web, "tomar", {"tareas": ids[:2]})
    assert response.status_code == 303
    assert [staff.task_of(n).assignee for n in numbers] == ["mesa", "mesa", None]
    supervisor = staff.web("supervisora")
    page = supervisor.client.get("/bandeja/").get_data(as_text=True)
    assert 'name="persona"' in page and "Colega Mesa" in page
    _act(supervisor, "asignar", {"tareas": ids, "persona": "colega"})
    assert [staff.task_of(n).assignee for n in numbers] == ["colega"] * 3
    assert "Tareas asignadas a colega: 3." in text_of(supervisor.client.get("/bandeja/"))
    with staff.app.app_context():
        assert db.session.query(AuditEvent).filter_by(type="task_assigned").count() == 3


def test_only_supervisors_assign_and_only_to_people_of_the_group(staff: Staffed) -> None:
    number = staff.start(1)[0]
    task_id = staff.task_of(number).id
    web = staff.web("mesa")
    assert 'name="persona"' not in web.client.get("/bandeja/").get_data(as_text=True)
    _act(web, "asignar", {"tareas": task_id, "persona": "colega"})
    assert "Solo un supervisor puede asignar" in text_of(web.client.get("/bandeja/"))
    supervisor = staff.web("supervisora")
    _act(supervisor, "asignar", {"tareas": task_id, "persona": "otro"})
    assert "otro no integra el grupo de la tarea." in text_of(supervisor.client.get("/bandeja/"))
    assert staff.task_of(number).assignee is None


def test_tasks_of_other_groups_are_not_there(staff: Staffed) -> None:
    number = staff.start(1)[0]
    task_id = staff.task_of(number).id
    web = staff.web("otro")
    assert number not in web.client.get(f"/bandeja/?bandeja={GROUP}").get_data(as_text=True)
    _act(web, f"tareas/{task_id}/tomar")
    assert "La tarea no existe." in text_of(web.client.get("/bandeja/"))
    assert staff.task_of(number).assignee is None


def test_an_action_without_tasks_says_so(staff: Staffed) -> None:
    web = staff.web("mesa")
    _act(web, "tomar")
    assert "Marque al menos una tarea." in text_of(web.client.get("/bandeja/"))
