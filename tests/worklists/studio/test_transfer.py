"""Import and export in the studio: bundle zips out and back in, a SpiffArena model as a draft with its warnings."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, StudioDraft
from engine.studio import archive, drafts
from engine.workflow.bundles import bundle_from_path, bundle_from_zip
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import Web, csrf_in
from tests.worklists.helpers import BUNDLE, KEY, Staffed, text_of

pytestmark = SQLITE_ONLY

MODEL = Path(__file__).resolve().parents[2] / "data" / "spiffarena_poda"
IMPORT = "/estudio/importar"
VERSION_ZIP = f"/estudio/procedimientos/{KEY}/versiones/1/paquete.zip"


def _upload(web: Web, *files: tuple[str, bytes], token: str | None = None) -> Any:
    token = token if token is not None else csrf_in(web.client.get(IMPORT).get_data(as_text=True))
    data: dict[str, Any] = {"archivos": [(io.BytesIO(content), name) for name, content in files]}
    if token:
        data["csrf_token"] = token
    return web.client.post(IMPORT, data=data, content_type="multipart/form-data")


def _model_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(MODEL.iterdir())]


def _drafts(staff: Staffed) -> list[tuple[int, str, str, dict[str, bytes], dict[str, Any] | None]]:
    with staff.app.app_context():
        found = [(d.id, d.name, d.key, drafts.files_of(d), d.last_check)
                 for d in db.session.query(StudioDraft).order_by(StudioDraft.id)]
        db.session.expunge_all()
        return found


def _flashed(web: Web) -> list[str]:
    with web.client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def test_a_version_exports_as_the_zip_the_api_takes_with_the_same_content_hash(staff: Staffed) -> None:
    analyst = staff.web("analista")
    response = analyst.client.get(VERSION_ZIP)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{KEY}-v1.zip"'
    data = response.get_data()
    assert bundle_from_zip(data).content_hash == bundle_from_path(BUNDLE).content_hash
    assert analyst.client.get(VERSION_ZIP).get_data() == data  # deterministic: same files, same bytes
    assert {n.split("/", 1)[0] for n in zipfile.ZipFile(io.BytesIO(data)).namelist()} == {KEY}
    for missing in (f"/estudio/procedimientos/{KEY}/versiones/9/paquete.zip",
                    f"/estudio/procedimientos/{KEY}/versiones/uno/paquete.zip",
                    "/estudio/procedimientos/nada/versiones/1/paquete.zip"):
        assert analyst.client.get(missing).status_code == 404, missing
    procedure = analyst.client.get(f"/estudio/procedimientos/{KEY}").get_data(as_text=True)
    assert f'href="{VERSION_ZIP}"' in procedure  # the versions list links the export


def test_a_bundle_zip_imports_as_a_draft_that_exports_back_the_same(staff: Staffed) -> None:
    analyst = staff.web("analista")
    exported = analyst.client.get(VERSION_ZIP).get_data()
    response = _upload(analyst, ("revision.zip", exported))
    assert response.status_code == 303, text_of(response)
    [(draft_id, name, key, files, last_check)] = _drafts(staff)
    assert key == KEY and name and files == dict(bundle_from_path(BUNDLE).files)
    assert last_check is not None and last_check["problems"] == []
    again = analyst.client.get(f"/estudio/borradores/{draft_id}/paquete.zip")
    assert again.status_code == 200 and again.headers["Content-Disposition"].endswith(f'-borrador-{draft_id}.zip"')
    assert bundle_from_zip(again.get_data()).content_hash == bundle_from_path(BUNDLE).content_hash
    assert analyst.client.get("/estudio/borradores/99999/paquete.zip").status_code == 404
    assert f'href="/estudio/borradores/{draft_id}/paquete.zip"' in analyst.client.get(IMPORT).get_data(as_text=True)


def test_a_spiffarena_model_imports_as_a_draft_with_each_warning_shown_and_kept(staff: Staffed) -> None:
    analyst = staff.web("analista")
    zipped = archive.zip_files(dict(_model_files()), "poda-arbolado")
    response = _upload(analyst, ("poda-arbolado.zip", zipped))
    assert response.status_code == 303, text_of(response)
    [(_id, name, key, files, last_check)] = _drafts(staff)
    assert (name, key) == ("Poda de arbolado", "poda_arbolado")
    assert {"solicitud.schema.json", "solicitud.uischema.json", "revision.schema.json"} <= set(files)
    assert "process_model.json" not in files and "test_poda_arbolado.json" not in files
    flashed = _flashed(analyst)
    for word in ("arbolado@example.org", "arbol.especie", "arboles_datastore.json", "test_poda_arbolado.json",
                 "registro_podas", "get_current_user", "notificar_vecinos", "http/GetRequestV2", "Arbolado Urbano"):
        assert any(word in message for message in flashed), (word, flashed)
        assert any(word in w["message"] or word in w["element"] or word in w["file"]
                   for w in last_check["warnings"]), word  # type: ignore[index]
    problems = {(p["file"], p["element"]) for p in last_check["problems"]}  # type: ignore[index]
    assert problems == {("poda_arbolado.bpmn", "avisar_vecinos"), ("poda_arbolado.bpmn", "consultar_padron")}
    with staff.app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "draft_imported")).all()
        assert event.actor == "analista" and event.data["source"] == "spiffarena"
        assert event.data["warnings"] == len([w for w in last_check["warnings"]  # type: ignore[index]
                                              if "aún no conoce" not in w["message"]])  # the check's own


def test_the_loose_files_of_a_spiffarena_model_import_too(staff: Staffed) -> None:
    analyst = staff.web("analista")
    response = _upload(analyst, *[f for f in _model_files() if f[0] != "arboles_datastore.json"])
    assert response.status_code == 303, text_of(response)
    [(_id, _name, key, files, _check)] = _drafts(staff)
    assert key == "poda_arbolado" and "solicitud.uischema.json" in files


def test_what_cannot_be_imported_is_explained_and_makes_no_draft(staff: Staffed) -> None:
    analyst = staff.web("analista")
    broken = _upload(analyst, ("roto.zip", b"PK\x03\x04 no es un zip"))
    assert broken.status_code == 400 and "dañado" in text_of(broken)
    mixed = _upload(analyst, ("a.zip", archive.zip_files({"a.bpmn": b"<a/>"}, "a")), ("b.bpmn", b"<b/>"))
    assert mixed.status_code == 400 and "un solo .zip" in text_of(mixed)
    no_bpmn = _upload(analyst, ("process_model.json", b'{"display_name": "Nada"}'))
    assert no_bpmn.status_code == 400 and "ningún archivo .bpmn" in text_of(no_bpmn)
    assert _drafts(staff) == []


def test_only_analysts_and_admins_import_and_export_and_writes_need_the_token(staff: Staffed) -> None:
    for who in ("mesa", "ciudadana", "auditor"):
        web = staff.web(who)
        assert web.client.get(IMPORT).status_code == 403
        assert web.client.get(VERSION_ZIP).status_code == 403
    assert staff.web("admin").client.get(IMPORT).status_code == 200
    anonymous = staff.app.test_client()
    assert anonymous.get(VERSION_ZIP).status_code in (302, 303)
    analyst = staff.web("analista")
    page = analyst.client.get(IMPORT)
    assert page.status_code == 200 and "Importar un trámite" in text_of(page) and "Exportar" in text_of(page)
    refused = _upload(analyst, *_model_files(), token="")
    assert refused.status_code in (400, 403) and _drafts(staff) == []


def test_the_exported_zip_is_what_the_api_deploys(staff: Staffed) -> None:
    analyst = staff.web("analista")
    exported = analyst.client.get(VERSION_ZIP).get_data()
    same = staff.api.post("/api/v1/deployments", data={"files": [(io.BytesIO(exported), f"{KEY}.zip")]},
                          content_type="multipart/form-data")
    assert same.status_code == 200 and same.get_json()["version"] == 1  # unchanged: no new version
    assert _upload(analyst, ("revision.zip", exported)).status_code == 303
    [(draft_id, *_rest)] = _drafts(staff)
    token = csrf_in(analyst.client.get(IMPORT).get_data(as_text=True))
    manifest = analyst.client.get(f"/estudio/borradores/{draft_id}/archivos/manifest.yaml").get_data()
    changed = analyst.client.put(f"/estudio/borradores/{draft_id}/archivos/manifest.yaml",
                                 data=manifest + b"\ncategory: Pruebas\n", headers={"X-CSRF-Token": token})
    assert changed.status_code == 200, changed.get_json()
    draft_zip = analyst.client.get(f"/estudio/borradores/{draft_id}/paquete.zip").get_data()
    deployed = staff.api.post("/api/v1/deployments", data={"files": [(io.BytesIO(draft_zip), "borrador.zip")]},
                              content_type="multipart/form-data")
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2, deployed.get_json()


def test_a_draft_exported_for_spiffarena_imports_back_as_the_same_bundle(staff: Staffed) -> None:
    analyst = staff.web("analista")
    assert _upload(analyst, ("revision.zip", analyst.client.get(VERSION_ZIP).get_data())).status_code == 303
    [(draft_id, *_rest)] = _drafts(staff)
    response = analyst.client.get(f"/estudio/borradores/{draft_id}/spiffarena.zip")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{KEY}-spiffarena.zip"'
    names = set(bundle_from_zip(response.get_data()).files)
    assert {"process_model.json", "revision-schema.json", "revision-uischema.json"} <= names
    assert f'href="/estudio/borradores/{draft_id}/spiffarena.zip"' in analyst.client.get(IMPORT).get_data(
        as_text=True)
    assert _upload(analyst, ("spiffarena.zip", response.get_data())).status_code == 303
    [_first, (_id, _name, key, files, last_check)] = _drafts(staff)
    assert key == KEY and set(files) == set(bundle_from_path(BUNDLE).files)
    assert last_check is not None and last_check["problems"] == []
