"""The version diff page and the batch migration: two versions of a small procedure, two real cases.

Version 1: inicio → revisar → registrar → aprobar → fin. Version 2 removes «revisar», renames
«aprobar», adds «notificar», adds a field to the approval form and drops the review form. Case A
got past «revisar» (it waits in «aprobar»), case B still waits in «revisar»: A can move to
version 2, B is refused because its current task is gone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, Instance
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.worklists.helpers import text_of

BUNDLES = Path(__file__).resolve().parents[2] / "data" / "studio" / "diff"
KEY = "diff_demo"
PAGE = f"/estudio/procedimientos/{KEY}/diferencias"


@dataclass
class TwoVersions:
    app: Flask
    api: ApiClient
    moved: dict[str, str]  # case A (waits in «aprobar»): id, number
    stuck: dict[str, str]  # case B (waits in «revisar»)

    def web(self, who: str) -> Web:
        web = Web(self.app.test_client())
        web.sign_in(who, password_of(who))
        return web

    def instance(self, instance_id: str) -> Instance:
        with self.app.app_context():
            found = db.session.get(Instance, instance_id)
            assert found is not None
            db.session.expunge(found)
            return found


@pytest.fixture
def two_versions(identity_app: Flask) -> TwoVersions:
    api = ApiClient(identity_app, make_token(identity_app, "pruebas", "admin"))
    assert api.deploy(BUNDLES / "v1").status_code == 201
    moved, stuck = (api.start(KEY, {}).get_json() for _ in range(2))
    review = api.ready_task(moved["id"], "revisar")
    assert api.complete(review["id"], {"completo": True}).status_code == 200
    deployed = api.deploy(BUNDLES / "v2")
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2, deployed.get_json()
    return TwoVersions(identity_app, api, moved, stuck)


def _data(html: str, name: str) -> list[str]:
    found = re.search(rf'{name}="([^"]*)"', html)
    assert found, name
    ids: list[str] = json.loads(unescape(found.group(1)))
    return ids


def _row(html: str, number: str) -> str:
    """The row of a case on the older version (with its checkbox), entities decoded."""
    found = re.search(rf"<tr>\s*<td><input[^>]*></td>\s*<td>{number}</td>.*?</tr>", html, re.S)
    assert found, number
    return unescape(found.group(0))


def test_the_page_shows_the_diff_and_the_cases_on_each_version(two_versions: TwoVersions) -> None:
    web = two_versions.web("analista")
    page = web.client.get(PAGE)  # no versions named: the newest against the one before
    assert page.status_code == 200, page.status_code
    html, text = page.get_data(as_text=True), text_of(page)
    assert "De la versión 1 (desplegada por api:pruebas" in text
    # The diagram of version 2 with its marks; the removed task is listed, not drawn.
    assert sorted(_data(html, "data-added")) == ["f_notificado", "notificar"]
    assert sorted(_data(html, "data-changed")) == ["aprobar", "f_aprobado", "f_inicio"]
    assert ("Elementos agregados (2) Nombre Tipo Identificador Archivo En el diagrama Preparar el aviso Tarea de "
            "script notificar diff_demo.bpmn Ver (sin nombre) Flujo f_notificado diff_demo.bpmn Ver") in text
    assert 'data-target="diagrama-anterior" data-element="revisar"' in html  # removed: found on version 1
    assert "Elementos quitados (2)" in text and "Revisar la solicitud Tarea de usuario revisar" in text
    assert "Aprobar o rechazar la solicitud Tarea de usuario aprobar" in text
    assert "Formularios agregado" not in text
    assert "Formularios cambiado aprobacion.schema.json quitado revision.schema.json" in text
    # The real cases on version 1, each with whether it can move; none on version 2 yet.
    assert two_versions.moved["number"] in text and two_versions.stuck["number"] in text
    assert "No: La tarea «revisar» no existe en la versión 2." in _row(html, two_versions.stuck["number"])
    assert "<td>Sí</td>" in _row(html, two_versions.moved["number"])
    assert "En la versión 2 (0)" in text


def test_the_same_version_twice_and_versions_that_do_not_exist(two_versions: TwoVersions) -> None:
    web = two_versions.web("analista")
    same = web.client.get(f"{PAGE}?de=2&a=2")
    assert same.status_code == 200 and "Eligió la misma versión dos veces" in text_of(same)
    assert "Migrar los marcados" not in text_of(same)
    backwards = web.client.get(f"{PAGE}?de=2&a=1")  # shown, but no migration to an older version
    assert backwards.status_code == 200 and "Migrar los marcados" not in text_of(backwards)
    for query in ("?de=1&a=9", "?de=x&a=2", "?de=0"):
        missing = web.client.get(PAGE + query)
        assert missing.status_code == 404 and "no tiene la versión" in text_of(missing), query
    unknown = web.client.get("/estudio/procedimientos/no_existe/diferencias")
    assert unknown.status_code == 404 and "No hay ningún proceso desplegado" in text_of(unknown)


def test_migrating_two_cases_reports_each_and_audits_who(two_versions: TwoVersions) -> None:
    web = two_versions.web("analista")
    token = csrf_in(web.client.get(f"{PAGE}?de=1&a=2").get_data(as_text=True))
    moved, stuck = two_versions.moved, two_versions.stuck
    answer = web.client.post(f"{PAGE}/migrar", data={"csrf_token": token, "de": "1", "a": "2",
                                                     "caso": [moved["id"], stuck["id"]]})
    assert answer.status_code == 200  # the report is on the page the POST answers
    text = text_of(answer)
    assert "Resultado de la migración" in text
    assert f"Expediente {moved['number']}: migrado a la versión 2." in text
    assert (f"Expediente {stuck['number']}: no se migró. No se puede migrar: hay tareas sin equivalente en la "
            "versión de destino. La tarea «revisar» no existe en la versión 2.") in text
    assert "Se migraron 1 de 2 expedientes." in text
    assert two_versions.instance(moved["id"]).version == 2
    assert two_versions.instance(stuck["id"]).version == 1
    # The moved case now shows under version 2, the stuck one still under version 1.
    assert "En la versión 2 (1)" in text and "En la versión 1 (1)" in text
    # Back to version 1, or to version 2 again: the page moves cases forward only.
    for target in ("1", "2"):
        again = web.client.post(f"{PAGE}/migrar", data={"csrf_token": token, "de": "1", "a": target,
                                                        "caso": moved["id"]})
        assert (f"Expediente {moved['number']}: no se migró. Ya está en la versión 2, que no es anterior a la "
                f"{target}.") in text_of(again)
    with two_versions.app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "instance_migrated")).all()
        assert [(e.instance_id, e.actor, e.data) for e in events] == [(moved["id"], "analista",
                                                                       {"before": 1, "after": 2})]
    # The moved case goes on in version 2: its waiting task has the new name, then the new step and end.
    task = two_versions.api.ready_task(moved["id"], "aprobar")
    assert task["name"] == "Aprobar o rechazar la solicitud"
    done = two_versions.api.complete(task["id"], {"aprobado": True, "motivo": "Completa"})
    assert done.status_code == 200, done.get_json()
    assert two_versions.api.instance(moved["id"])["status"] == "completed"


def test_migration_needs_a_case_the_token_and_the_role(two_versions: TwoVersions) -> None:
    web = two_versions.web("analista")
    token = csrf_in(web.client.get(PAGE).get_data(as_text=True))
    nothing = web.client.post(f"{PAGE}/migrar", data={"csrf_token": token, "de": "1", "a": "2"})
    assert "Marque al menos un expediente para migrar." in text_of(web.client.get(nothing.headers["Location"]))
    forged = web.client.post(f"{PAGE}/migrar", data={"de": "1", "a": "2", "caso": two_versions.moved["id"]})
    assert forged.status_code in (400, 403)
    foreign = web.client.post(f"{PAGE}/migrar", data={"csrf_token": token, "de": "1", "a": "2", "caso": "no-existe"})
    assert "Un expediente marcado no es de este trámite; no se migró." in text_of(foreign)
    assert two_versions.instance(two_versions.moved["id"]).version == 1
    for who in ("mesa", "ciudadana"):
        other = two_versions.web(who)
        assert other.client.get(PAGE).status_code == 403, who
    staff = two_versions.web("mesa")
    staff_token = csrf_in(staff.client.get("/cuenta").get_data(as_text=True))
    refused = staff.client.post(f"{PAGE}/migrar", data={"csrf_token": staff_token, "de": "1", "a": "2",
                                                        "caso": two_versions.moved["id"]})
    assert refused.status_code == 403
    assert two_versions.instance(two_versions.moved["id"]).version == 1
    # Administrators may open a case's staff view, so for them each number links to it.
    admin_page = two_versions.web("admin").client.get(PAGE)
    assert admin_page.status_code == 200
    assert f'href="/bandeja/expedientes/{two_versions.moved["number"]}"' in admin_page.get_data(as_text=True)
    analyst_page = web.client.get(PAGE).get_data(as_text=True)
    assert "/bandeja/expedientes/" not in analyst_page


def test_test_cases_are_not_listed(two_versions: TwoVersions) -> None:
    trial = two_versions.api.post(f"/api/v1/processes/{KEY}/versions/1/test-cases", json={"data": {}})
    assert trial.status_code == 201, trial.get_json()
    text = text_of(two_versions.web("analista").client.get(PAGE))
    assert trial.get_json()["number"] not in text and "En la versión 1 (2)" in text
