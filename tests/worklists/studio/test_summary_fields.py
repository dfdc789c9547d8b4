"""«Datos del trámite» in the studio: the analyst ticks, among the fields of the draft's forms, the
answer meant for the citizen (``resumen.seguimiento``) and the data the citizen sees
(``resumen.ciudadano``); the deployed version shows them on the citizen's case page and on the
public tracking page. What the boxes cannot express is kept as written."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from engine import safe_yaml
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web
from tests.portal.helpers import BUNDLE, start_case
from tests.worklists.helpers import text_of
from tests.worklists.studio.editors import csrf_header, draft_file, draft_of, signed_in

#: The catalogue fields as the page shows them for the portal's test procedure.
BASE = {"paso": "campos", "nombre": "Solicitud de prueba del portal", "categoria": "Pruebas", "prefijo": "SPT",
        "formulario_inicio": "solicitud.schema.json", "interfaz_inicio": "solicitud.uischema.json", "guia": "1",
        "resumen_campos": "1"}


def _portal_files(manifest: str | None = None) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in BUNDLE.iterdir() if p.is_file()}
    if manifest is not None:
        files["manifest.yaml"] = files["manifest.yaml"] + manifest.encode()
    return files


def _save(web: Web, draft_id: int, fields: dict[str, Any]) -> Any:
    page = f"/estudio/borradores/{draft_id}/tramite"
    return web.client.post(page, data={**BASE, **fields, "csrf_token": web.form_token(page)})


def _summary(app: Flask, draft_id: int) -> Any:
    return safe_yaml.load(draft_file(app, draft_id, "manifest.yaml"), max_bytes=100_000).get("resumen")


def test_the_chosen_answer_reaches_the_citizens_case_page_and_the_tracking_page(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "solicitud_portal", _portal_files())
    web = signed_in(identity_app)
    page = web.client.get(f"/estudio/borradores/{draft_id}/tramite").get_data(as_text=True)
    # grouped by form, the start form first; each field by its title, its path beside it
    forms = re.findall(r"<summary>([^<]+) <span class=\"studio-path\">([^<]+)</span>", page)
    assert [f for _, f in forms[:3]] == ["solicitud.schema.json", "correccion.schema.json", "revision.schema.json"]
    assert re.search(r'value="observaciones">\s*<label for="resumen_seguimiento-3-2">Observaciones '
                     r'<span class="studio-path">observaciones</span>', page)
    saved = _save(web, draft_id, {"resumen_seguimiento": ["observaciones"], "resumen_ciudadano": ["nombre", "motivo"]})
    assert saved.status_code == 302, text_of(saved)
    assert _summary(identity_app, draft_id) == {"seguimiento": ["observaciones"], "ciudadano": ["nombre", "motivo"]}
    shown = web.client.get(f"/estudio/borradores/{draft_id}/tramite").get_data(as_text=True)
    assert 'value="observaciones" checked' in shown and "1 marcado" in shown

    deployed = web.client.post(f"/estudio/borradores/{draft_id}/desplegar",
                               headers=csrf_header(web, f"/estudio/borradores/{draft_id}/tramite"))
    assert deployed.status_code == 201, deployed.get_json()
    citizen = signed_in(identity_app, "ciudadana")
    number = start_case(citizen)
    api = ApiClient(identity_app, make_token(identity_app, "pruebas-resumen", "admin"))
    instance_id = next(i["id"] for i in api.get("/api/v1/instances?per_page=100").get_json()["items"]
                       if i["number"] == number)
    task = api.ready_task(instance_id, "revisar")
    answer = "Cumple con lo pedido; retire el permiso en Mesa de Entradas."
    assert api.complete(task["id"], {"completo": True, "observaciones": answer}).status_code == 200

    case = citizen.client.get(f"/mis-tramites/{number}").get_data(as_text=True)
    answered = case.split('id="respuesta"')[1]
    assert "<dt>Observaciones</dt>" in answered and answer in answered
    assert "Ana Pérez" in case and "Necesito el permiso" in case
    assert "constancia.pdf</dd>" not in case.split('id="respuesta"')[0]  # not chosen for the citizen's data
    code = re.search(r'class="codigo">([^<]+)<', case)
    assert code is not None
    tracking = identity_app.test_client().get(f"/seguimiento/{code.group(1)}").get_data(as_text=True)
    assert "Respuesta" in tracking and answer in tracking and "Ana Pérez" not in tracking


HAND = """resumen:
  personal: [nombre, observaciones]
  ciudadano: [nombre, {campo: motivo, etiqueta: Pedido}, resultado_interno]
  seguimiento:
    - {campo: tasa, etiqueta: Tasa, formato: moneda}
"""


def test_hand_written_items_are_kept_and_a_label_stays_with_its_ticked_field(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "solicitud_portal", _portal_files(HAND))
    web = signed_in(identity_app)
    page = text_of(web.client.get(f"/estudio/borradores/{draft_id}/tramite"))
    assert "Motivo motivo (con la etiqueta «Pedido»)" in page
    assert "se cambian en el YAML): resultado_interno" in page
    assert "{campo: tasa, etiqueta: Tasa, formato: moneda}" in page
    assert "Ningún dato" not in page  # the hand-written items would stay: the box could not be honoured
    saved = _save(web, draft_id, {"resumen_ciudadano": ["motivo", "observaciones"],
                                  "resumen_seguimiento": ["observaciones"]})
    assert saved.status_code == 302, text_of(saved)
    assert _summary(identity_app, draft_id) == {
        "personal": ["nombre", "observaciones"],
        "ciudadano": [{"campo": "motivo", "etiqueta": "Pedido"}, "resultado_interno", "observaciones"],
        "seguimiento": [{"campo": "tasa", "etiqueta": "Tasa", "formato": "moneda"}, "observaciones"]}
    assert _save(web, draft_id, {}).status_code == 302  # nothing ticked: only what was written by hand
    assert _summary(identity_app, draft_id) == {
        "personal": ["nombre", "observaciones"], "ciudadano": ["resultado_interno"],
        "seguimiento": [{"campo": "tasa", "etiqueta": "Tasa", "formato": "moneda"}]}
    refused = _save(web, draft_id, {"resumen_ciudadano_ninguno": "1"})
    assert refused.status_code == 400 and "quítelos del YAML" in text_of(refused)
    untouched = {k: v for k, v in BASE.items() if k != "resumen_campos"}  # a post without the boxes
    web.client.post(f"/estudio/borradores/{draft_id}/tramite",
                    data={**untouched, "csrf_token": web.form_token(f"/estudio/borradores/{draft_id}/tramite")})
    assert _summary(identity_app, draft_id)["ciudadano"] == ["resultado_interno"]


def test_nothing_ticked_restores_the_default_and_ningun_dato_writes_an_empty_list(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "solicitud_portal", _portal_files())
    web = signed_in(identity_app)
    assert _save(web, draft_id, {"resumen_ciudadano": ["nombre"]}).status_code == 302
    assert _summary(identity_app, draft_id) == {"ciudadano": ["nombre"]}
    assert _save(web, draft_id, {}).status_code == 302
    assert _summary(identity_app, draft_id) is None  # no list left: no «resumen» at all
    assert _save(web, draft_id, {"resumen_ciudadano_ninguno": "1"}).status_code == 302
    assert _summary(identity_app, draft_id) == {"ciudadano": []}
    page = web.client.get(f"/estudio/borradores/{draft_id}/tramite").get_data(as_text=True)
    assert 'name="resumen_ciudadano_ninguno" value="1" checked' in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"resumen_ciudadano": ["nombre"], "resumen_ciudadano_ninguno": "1"}, "resumen_ciudadano",
     "Marcó datos y también «Ningún dato»: desmarque uno de los dos."),
    ({"resumen_seguimiento": ["no_existe"]}, "resumen_seguimiento",
     "«no_existe» no es un campo de los formularios del borrador: elija uno de la lista."),
])
def test_a_choice_that_cannot_be_written_is_refused_next_to_its_field(identity_app: Flask, fields: dict[str, Any],
                                                                      field: str, message: str) -> None:
    draft_id = draft_of(identity_app, "solicitud_portal", _portal_files())
    web = signed_in(identity_app)
    refused = _save(web, draft_id, {**fields, "plazo": "cinco"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f'<span class="error" id="{field}-error">{message}</span>' in html
    assert f'aria-describedby="{field}-ayuda {field}-error"' in html and f'<a href="#{field}">' in html
    assert "número entero de días hábiles" in html  # the other fields' problems too
    if "resumen_ciudadano" in fields:
        assert 'value="nombre" checked' in html  # the choice is shown again as it was posted
    assert _summary(identity_app, draft_id) is None


def test_a_list_that_is_not_a_list_is_left_for_the_yaml(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "solicitud_portal", _portal_files("resumen:\n  seguimiento: observaciones\n"))
    web = signed_in(identity_app)
    page = text_of(web.client.get(f"/estudio/borradores/{draft_id}/tramite"))
    assert page.count("no es una lista de campos") == 1
    assert _save(web, draft_id, {"resumen_seguimiento": ["nombre"]}).status_code == 302
    assert _summary(identity_app, draft_id) == {"seguimiento": "observaciones"}
