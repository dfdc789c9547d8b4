"""The portal's start and task pages answer the form's re-render on their own URL (htmx's ``hx-post=""``)."""

from __future__ import annotations

from flask import Flask

from tests.fixtures.identity import Web, csrf_in
from tests.portal.test_case_summary import KEY, _add_internal, _start, api, citizen  # noqa: F401 - fixtures

ACTION = "actualizar "  # what the checkbox's hx-vals and the «Actualizar» button send


def test_the_start_page_re_renders_the_form_on_its_own_url(citizen: Web) -> None:  # noqa: F811
    page = f"/iniciar/{KEY}"
    token = csrf_in(citizen.client.get(page).get_data(as_text=True))
    fields = {"csrf_token": token, "tramite": KEY, "!o": "1", "$/nombre": "Club", "!b/corte_calles": "1",
              "__accion": ACTION}
    shown = citizen.client.post(page, data={**fields, "$/corte_calles": "true"}, headers={"HX-Request": "true"})
    assert shown.status_code == 200 and 'name="$/calles_afectadas"' in shown.get_data(as_text=True)
    hidden = citizen.client.post(page, data=fields, headers={"HX-Request": "true"})
    assert hidden.status_code == 200 and 'name="$/calles_afectadas"' not in hidden.get_data(as_text=True)


def test_the_task_page_re_renders_the_form_on_its_own_url(identity_app: Flask, citizen: Web,  # noqa: F811
                                                          api) -> None:  # noqa: F811
    number = _start(citizen)
    instance_id = _add_internal(identity_app, number)
    review = api.ready_task(instance_id, "revisar")
    assert api.complete(review["id"], {"completo": False, "observaciones": "Falta el recorrido"}).status_code == 200
    task = api.ready_task(instance_id, "corregir")
    page = f"/mis-tramites/{number}/tareas/{task['id']}"
    html = citizen.client.get(page).get_data(as_text=True)
    assert 'hx-post=""' in html and 'name="$/nuevo_recorrido"' not in html
    fields = {"csrf_token": csrf_in(html), "expediente": number, "tarea": task["id"], "!o": "1",
              "$/respuesta": "Va", "!b/cambia_recorrido": "1", "$/cambia_recorrido": "true", "__accion": ACTION}
    shown = citizen.client.post(page, data=fields, headers={"HX-Request": "true"})
    assert shown.status_code == 200 and 'name="$/nuevo_recorrido"' in shown.get_data(as_text=True)
