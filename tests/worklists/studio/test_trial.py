"""«Probar» in the studio: a draft tried as a trial version, a test case played lane by lane from one page,
its clock moved, its path on the diagram, deleted; the trial version invisible to everything real."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask

from engine.db import db
from engine.identity.accounts import ensure_user
from engine.models import Instance, Task
from engine.studio import drafts
from engine.uow import unit_of_work
from engine.workflow.bundles import bundle_from_path
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.worklists.helpers import text_of

REVIEW = Path(__file__).resolve().parents[2] / "data" / "worklists" / "revision_mesa"
NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
REVIEW_NAME = "Revisión en mesa de entradas"


def _draft(app: Flask, broken: bool = False) -> int:
    files = dict(bundle_from_path(REVIEW).files)
    if broken:
        files["revision_mesa.bpmn"] = files["revision_mesa.bpmn"].replace(b"completo == False", b"completo ==")
    with app.app_context(), unit_of_work():
        draft = drafts.create_from_files("Revisión (borrador)", files, "analista", NOW)
        db.session.flush()
        return draft.id


def _web(app: Flask, who: str) -> Web:
    web = Web(app.test_client())
    web.sign_in(who, password_of(who))
    return web


def _path_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, text_of(response)[:2000]
    return urlparse(response.headers["Location"]).path


def _tried(app: Flask, analyst: Web) -> tuple[int, str]:
    """Try a new draft of the review bundle; return its id and its trial version's page."""
    draft_id = _draft(app)
    version_page = _path_of(analyst.post_form(f"/estudio/borradores/{draft_id}/probar", {}))
    assert version_page == f"/estudio/probar/revision_mesa__prueba_{draft_id}/1"
    return draft_id, version_page


def _diagram(html: str) -> tuple[list[str], list[str]]:
    """The path the case page hands the diagram: (done, current)."""
    found = {name: json.loads(unescape(value)) for name, value in
             re.findall(r'data-(done|current)="([^"]*)"', html)}
    assert 'id="recorrido"' in html and "<bpmn:process" in unescape(html)
    return found["done"], found["current"]


def _task_form(html: str) -> str:
    """The action of the task form the case page shows."""
    found = re.search(r'action="(/estudio/probar/casos/[^"]+/tareas/[^"]+)"', html)
    assert found, html
    return found.group(1)


def _status(app: Flask, case_page: str) -> tuple[str, int, list[str]]:
    instance_id = case_page.rsplit("/", 1)[1]
    with app.app_context():
        instance = db.session.get(Instance, instance_id)
        assert instance is not None and instance.is_test
        ready = [t.element_id for t in db.session.query(Task).filter_by(instance_id=instance_id, status="ready")]
        found = (instance.status, instance.clock_offset or 0, ready)
        db.session.remove()
        return found


def test_an_analyst_tries_a_draft_and_plays_every_lane_from_the_case_page(identity_app: Flask) -> None:
    app = identity_app
    analyst = _web(app, "analista")
    draft_id, version_page = _tried(app, analyst)
    assert f"/estudio/borradores/{draft_id}/probar" in analyst.client.get("/estudio/").get_data(as_text=True)
    listing = text_of(analyst.client.get(f"/estudio/borradores/{draft_id}/probar"))
    assert "versión 1" in listing and "Este borrador todavía no se probó" not in listing
    assert "Esta versión no tiene casos de prueba" in text_of(analyst.client.get(version_page))
    case_page = _path_of(analyst.post_form(version_page, {}))
    assert case_page.startswith("/estudio/probar/casos/")
    assert f'href="/estudio/borradores/{draft_id}/probar"' in analyst.client.get(version_page).get_data(as_text=True)

    page = analyst.client.get(case_page)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "CASO DE PRUEBA" in text_of(page)
    assert _diagram(html) == (["inicio"], ["revisar"])
    assert "vendor/studio/trial.js" in html and "<script>" not in html and "style=" not in html
    # Mesa's review (a staff lane), played by the analyst: incomplete, so a correction is asked
    done = analyst.post_form(_task_form(html), {"!o": "1", "!b/completo": "1"}, token_from=case_page)
    assert _path_of(done) == case_page
    page = analyst.client.get(case_page)
    html = page.get_data(as_text=True)
    assert "Completó «Revisar solicitud»" in text_of(page) and "(solicitante)" in text_of(page)
    assert _diagram(html) == (["inicio", "revisar", "decision"], ["corregir"])
    # the applicant's correction (the citizen's lane), on the same page
    assert _path_of(analyst.post_form(_task_form(html), {"!o": "1", "$/respuesta": "Adjunto lo pedido"},
                                      token_from=case_page)) == case_page
    html = analyst.client.get(case_page).get_data(as_text=True)
    assert _diagram(html)[1] == ["revisar"] and "corregir" in _diagram(html)[0]
    # an invalid submission: the errors on the same page, nothing completed
    refused = analyst.post_form(_task_form(html), {"!o": "1", "!b/completo": "1", "$/completo": "true",
                                                   "$/observaciones": "x" * 5000}, token_from=case_page)
    assert refused.status_code == 422 and "Hay datos que corregir" in text_of(refused)
    assert _status(app, case_page)[2] == ["revisar"]
    # Mesa approves: the case reaches its end
    finished = analyst.post_form(_task_form(html), {"!o": "1", "!b/completo": "1", "$/completo": "true",
                                                    "$/observaciones": "Bien"}, token_from=case_page)
    assert _path_of(finished) == case_page
    page = analyst.client.get(case_page)
    done_ids, current = _diagram(page.get_data(as_text=True))
    assert current == [] and done_ids[-2:] == ["aprobar", "fin"]
    assert "finalizado" in text_of(page) and "El caso no tiene tareas pendientes" in text_of(page)
    assert _status(app, case_page)[0] == "completed"


def test_the_clock_moves_and_the_case_is_deleted_from_its_page(identity_app: Flask) -> None:
    app = identity_app
    analyst = _web(app, "analista")
    draft_id, version_page = _tried(app, analyst)
    case_page = _path_of(analyst.post_form(version_page, {}))
    moved = analyst.post_form(f"{case_page}/reloj", {"cantidad": "2", "unidad": "dias"}, token_from=case_page)
    assert _path_of(moved) == case_page
    assert "Se adelantó el reloj" in text_of(analyst.client.get(case_page))
    assert _status(app, case_page)[1] == 2 * 86400
    refused = analyst.post_form(f"{case_page}/reloj", {"cantidad": "0", "unidad": "dias"}, token_from=case_page)
    assert _path_of(refused) == case_page and "Indique cuánto adelantar" in text_of(analyst.client.get(case_page))
    number = re.search(r"PRUEBA-[0-9A-F]{8}-REV", text_of(analyst.client.get(case_page)))
    assert number
    # a discarded draft: its trial cases still play, without a link back to it
    with app.app_context(), unit_of_work():
        drafts.discard(drafts.get(draft_id), "analista")
    assert "/estudio/borradores/" not in analyst.client.get(case_page).get_data(as_text=True)
    gone = analyst.post_form(f"{case_page}/borrar", {}, token_from=case_page)
    assert _path_of(gone) == version_page
    page = text_of(analyst.client.get(version_page))
    assert f"Se borró el caso de prueba {number.group(0)}" in page and "Esta versión no tiene casos de prueba" in page
    assert analyst.client.get(case_page).status_code == 404


def test_a_trial_version_is_nowhere_for_real_use(identity_app: Flask) -> None:
    app = identity_app
    analyst = _web(app, "analista")
    draft_id, version_page = _tried(app, analyst)
    trial_key = f"revision_mesa__prueba_{draft_id}"
    _path_of(analyst.post_form(version_page, {}))  # a test case runs on it meanwhile
    public = app.test_client()
    assert REVIEW_NAME not in text_of(public.get("/guia/"))
    assert public.get(f"/guia/{trial_key}").status_code == 404
    citizen = _web(app, "ciudadana")
    assert citizen.client.get(f"/iniciar/{trial_key}").status_code == 404
    api = ApiClient(app, make_token(app, "integracion", "read", "start"))
    assert trial_key not in {p["key"] for p in api.get("/api/v1/processes").get_json()["items"]}
    assert api.get(f"/api/v1/processes/{trial_key}").status_code == 404
    assert api.start(trial_key, {}).status_code == 404
    assert trial_key not in analyst.client.get("/estudio/pruebas/").get_data(as_text=True)
    mesa = _web(app, "mesa")
    assert trial_key not in mesa.client.get("/bandeja/").get_data(as_text=True)  # the procedure filter


def test_a_draft_with_problems_lists_them_and_deploys_nothing(identity_app: Flask) -> None:
    app = identity_app
    analyst = _web(app, "analista")
    draft_id = _draft(app, broken=True)
    refused = analyst.post_form(f"/estudio/borradores/{draft_id}/probar", {})
    assert refused.status_code == 422
    shown = text_of(refused)
    assert "no se desplegó la prueba" in shown and "revision_mesa.bpmn" in shown
    assert analyst.client.get(f"/estudio/probar/revision_mesa__prueba_{draft_id}/1").status_code == 404


def test_only_analysts_open_the_pages_and_each_plays_their_own_cases(identity_app: Flask) -> None:
    app = identity_app
    analyst = _web(app, "analista")
    draft_id, version_page = _tried(app, analyst)
    case_page = _path_of(analyst.post_form(version_page, {}))
    for who in ("ciudadana", "mesa"):
        web = _web(app, who)
        for path in (f"/estudio/borradores/{draft_id}/probar", version_page, case_page):
            assert web.client.get(path).status_code == 403, (who, path)
    with app.app_context(), unit_of_work():
        ensure_user("otra_analista", display_name="Otra", password=password_of("otra_analista"), roles=("analyst",))
    other = _web(app, "otra_analista")
    assert other.client.get(case_page).status_code == 404
    assert other.post_form(f"{case_page}/borrar", {}, token_from=version_page).status_code == 404
    assert _web(app, "admin").client.get(case_page).status_code == 200
    # a real version is tried as it is, from the same pages (the studio's procedure page offers it)
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy(REVIEW).status_code == 201
    assert "/estudio/procedimientos/revision_mesa/versiones/1/probar" in \
        analyst.client.get("/estudio/procedimientos/revision_mesa").get_data(as_text=True)
    opened = analyst.post_form("/estudio/procedimientos/revision_mesa/versiones/1/probar", {}, token_from=version_page)
    assert _path_of(opened) == "/estudio/probar/revision_mesa/1"
    assert "Iniciar caso de prueba" in text_of(analyst.client.get("/estudio/probar/revision_mesa/1"))
