"""A form sent while the progress-bar script was still sending a file comes back with what was
typed and a Spanish message (nothing starts, nothing is completed); a task answered from the
portal is confirmed on the case page."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.fixtures.engine import ApiClient
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.portal.helpers import deploy, post_start, start_case

WAIT = "Espere a que termine la carga del archivo"


@pytest.fixture
def citizen(identity_app: Flask) -> tuple[Web, ApiClient]:
    api = deploy(identity_app)
    web = Web(identity_app.test_client())
    web.sign_in("ciudadana", password_of("ciudadana"))
    return web, api


def test_a_start_sent_mid_upload_keeps_the_typed_values_and_starts_nothing(citizen: tuple[Web, ApiClient]) -> None:
    web, api = citizen
    for accion in ("enviar", "guardar"):
        answer = post_start(web, {"$/nombre": "Ana Pérez", "$/motivo": "Necesito el permiso",
                                  "subidas_pendientes": "1"}, accion=accion)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and WAIT in html, accion
        assert 'value="Ana Pérez"' in html and "Necesito el permiso" in html
    assert api.get("/api/v1/instances?per_page=10").get_json()["items"] == []
    assert "Ana Pérez" not in web.client.get("/borradores").get_data(as_text=True)


def test_a_re_render_mid_upload_still_shows_the_fields_it_opens(citizen: tuple[Web, ApiClient]) -> None:
    """An answer that shows or hides fields re-renders the form while a file may be travelling:
    that is no submit, so the page answers it (htmx swaps only a 2xx answer)."""
    web, _api = citizen
    answer = post_start(web, {"$/nombre": "Ana Pérez", "subidas_pendientes": "1", "__accion": "actualizar"})
    assert answer.status_code == 200 and WAIT not in answer.text and 'value="Ana Pérez"' in answer.text


def _correction_task(web: Web, api: ApiClient) -> tuple[str, dict[str, str]]:
    number = start_case(web)
    instance = [i for i in api.get("/api/v1/instances").get_json()["items"] if i["number"] == number][0]
    task = api.ready_task(instance["id"], "revisar")
    assert api.complete(task["id"], {"completo": False, "observaciones": "Falta firma"}).status_code == 200
    link = re.search(r'href="(/mis-tramites/[^"]+/tareas/[^"]+)"', web.client.get(f"/mis-tramites/{number}").text)
    assert link is not None
    page = web.client.get(link.group(1)).get_data(as_text=True)
    return number, {"csrf_token": csrf_in(page), "expediente": number, "tarea": link.group(1).rsplit("/", 1)[1],
                    "!o": "1"}


def test_a_task_sent_mid_upload_comes_back_and_a_finished_one_is_confirmed(citizen: tuple[Web, ApiClient]) -> None:
    web, api = citizen
    number, fields = _correction_task(web, api)
    early = web.client.post("/mis-tramites/tareas", data={**fields, "$/respuesta": "Adjunto la firma",
                                                          "subidas_pendientes": "2"})
    assert early.status_code == 422 and WAIT in early.text and "Adjunto la firma" in early.text

    done = web.client.post("/mis-tramites/tareas", data={**fields, "$/respuesta": "Adjunto la firma",
                                                         "subidas_pendientes": "0"}, follow_redirects=True)
    assert done.request.path == f"/mis-tramites/{number}"
    assert "Recibimos su respuesta a «Corregir la solicitud»" in done.text
    assert "Recibimos su respuesta" not in web.client.get(f"/mis-tramites/{number}").text  # said once
