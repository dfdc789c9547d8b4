"""Templates belong to the deployed version: issued from its stored files, checked at deploy, previewable.

The bundles here live in a temporary folder outside ``processes/``, and no setting names a
templates folder: the certificate comes from what was deployed, and only from it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from engine.casefile import expediente
from tests.fixtures.engine import BUNDLES, ApiClient, make_token
from tests.fixtures.identity import ROLE_USERS, Web, password_of
from tests.fixtures.require import require_binary

PERMIT = ('{% extends "plataforma/layout.html" %}\n'
          '{% block estilos %}<link rel="stylesheet" href="permiso.css">{% endblock %}\n'
          '{% block cuerpo %}<p class="marca">Se otorga el permiso a {{ datos.titular }}.</p>\n'
          '<img src="sello.png" alt="sello">{% endblock %}\n')


def _bundle(root: Path, template: str = PERMIT, datos: str = "{'titular': titular}") -> Path:
    """A procedure that issues its own «permiso» template, in a folder far from ``processes/``."""
    folder = root / "evento_publico"
    shutil.copytree(BUNDLES / "doc_certificado", folder)
    bpmn = folder / "certificado_prueba.bpmn"
    text = bpmn.read_text(encoding="utf-8").replace("'plataforma'", "'permiso'")
    bpmn.write_text(text.replace("{'titular': titular}", datos), encoding="utf-8")
    (folder / "solicitud.schema.json").write_text(
        '{"type": "object", "properties": {"titular": {"type": "string", "title": "Titular"}}}', encoding="utf-8")
    permit = folder / "permiso"
    permit.mkdir()
    (permit / "template.html").write_text(template, encoding="utf-8")
    (permit / "permiso.css").write_text('.marca::after { content: " ESTILO DEL PAQUETE"; }', encoding="utf-8")
    Image.new("RGB", (7, 3), (0, 120, 0)).save(permit / "sello.png")
    (permit / "verificacion.json").write_text('{"campos": [{"dato": "titular", "etiqueta": "Titular"}]}',
                                              encoding="utf-8")
    return folder


def _pdf_text(api: ApiClient, instance_id: str, tmp_path: Path) -> str:
    with api.app.app_context():
        [signed] = expediente.documents(instance_id)
        document_id = signed.id
    response = api.get(f"/api/v1/instances/{instance_id}/documents/{document_id}")
    assert response.status_code == 200
    content = response.get_data()
    response.close()  # a document streams from storage
    return _text(content, tmp_path)


def _text(pdf: bytes, tmp_path: Path) -> str:
    exe = require_binary("pdftotext", "poppler-utils")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([exe, str(path), "-"], capture_output=True, check=True, timeout=30).stdout
    return " ".join(out.decode("utf-8").split())


def _issue(api: ApiClient, titular: str) -> dict[str, Any]:
    started = api.start("certificado_prueba", {"titular": titular}).get_json()
    final = api.instance(started["id"])
    assert final["status"] == "completed", final
    return final


def test_a_bundle_deployed_from_anywhere_issues_its_own_template(signing_app: Flask, tmp_path: Path) -> None:
    folder = _bundle(tmp_path / "fuera")
    api = ApiClient(signing_app, make_token(signing_app, "analista", "admin"))
    deployed = api.deploy(folder)
    assert deployed.status_code == 201, deployed.get_json()

    first = _issue(api, "Ana Pérez")
    text = _pdf_text(api, first["id"], tmp_path)
    assert "Se otorga el permiso a Ana Pérez." in text and "ESTILO DEL PAQUETE" in text
    summary = first["data"]["certificado"]["resumen"]
    assert summary == [{"etiqueta": "Titular", "valor": "Ana Pérez"}]

    # The folder changes on disk after deploying: the deployed version does not.
    (folder / "permiso" / "template.html").write_text(PERMIT.replace("Se otorga", "CAMBIADO EN DISCO"),
                                                      encoding="utf-8")
    (folder / "permiso" / "permiso.css").unlink()
    second = _issue(api, "Berta Gómez")
    text = _pdf_text(api, second["id"], tmp_path)
    assert "Se otorga el permiso a Berta Gómez." in text and "ESTILO DEL PAQUETE" in text
    assert "CAMBIADO EN DISCO" not in text


@pytest.mark.parametrize(("template", "extra", "expected"), [
    ("{% extends \"plataforma/layout.html\" %}\n{% block cuerpo %}\n{% for x in %}{% endblock %}", {},
     ("permiso/template.html", "línea 3")),
    ("{% extends \"plataforma/layout.html\" %}\n{% block cuerpo %}x{% endblock %}\n{% block pie %}y{% endblock %}",
     {}, ("permiso/template.html", "bloque «pie» no existe en plataforma/layout.html; bloques: cuerpo")),
    ("{% include \"falta.html\" %}", {}, ("permiso/template.html", "falta.html")),
    (PERMIT, {"permiso/verificacion.json": "{\"campos\": [{\"dato\": 3}]}"},
     ("permiso/verificacion.json", "«dato» y «etiqueta»")),
    (PERMIT, {"permiso/pie.html": "{% if %}"}, ("permiso/pie.html", "línea 1")),
])
def test_a_broken_template_is_refused_at_deploy_with_file_and_line(
        api: ApiClient, tmp_path: Path, template: str, extra: dict[str, str], expected: tuple[str, str]) -> None:
    folder = _bundle(tmp_path, template)
    for name, content in extra.items():
        (folder / name).write_text(content, encoding="utf-8")
    response = api.deploy(folder)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    file, text = expected
    assert any(e["file"] == file and text in e["message"] for e in errors), errors


def test_a_missing_template_folder_and_missing_data_are_refused(api: ApiClient, tmp_path: Path) -> None:
    folder = _bundle(tmp_path, datos="{'otro': 'dato fijo'}")  # literal datos: the template's titular never comes
    shutil.rmtree(folder / "permiso")
    (folder / "sin_plantilla").mkdir()
    (folder / "sin_plantilla" / "nota.txt").write_text("x", encoding="utf-8")
    errors = api.deploy(folder).get_json()["errors"]
    assert any(e["element"] == "emitir" and "falta el archivo «permiso/template.html»" in e["message"]
               for e in errors), errors

    other = _bundle(tmp_path / "b", datos="{'otro': 'dato fijo'}")
    errors = api.deploy(other).get_json()["errors"]
    assert any(e["file"] == "permiso/template.html" and "titular" in e["message"] for e in errors), errors


def _analyst_app(identity_app: Flask, tmp_path: Path) -> ApiClient:
    api = ApiClient(identity_app, make_token(identity_app, "analista", "deploy"))
    assert api.deploy(_bundle(tmp_path)).status_code == 201
    return api


def test_preview_endpoint(identity_app: Flask, tmp_path: Path) -> None:
    api = _analyst_app(identity_app, tmp_path)
    url = "/api/v1/processes/certificado_prueba/versions/1/templates/permiso/preview"
    found = api.get(url)
    assert found.status_code == 200 and found.mimetype == "application/pdf"
    text = _text(found.data, tmp_path)
    assert "Se otorga el permiso a Ejemplo de titular." in text and "ESTILO DEL PAQUETE" in text
    for missing in ("/api/v1/processes/certificado_prueba/versions/1/templates/otra/preview",
                    "/api/v1/processes/certificado_prueba/versions/9/templates/permiso/preview",
                    "/api/v1/processes/no_existe/versions/1/templates/permiso/preview"):
        assert api.get(missing).status_code == 404, missing
    reader = ApiClient(identity_app, make_token(identity_app, "lectura", "read"))
    assert reader.get(url).status_code == 403
    assert identity_app.test_client().get(url).status_code == 401


@pytest.mark.parametrize("user", ["analista", "admin"])
def test_preview_page_for_analysts(identity_app: Flask, tmp_path: Path, user: str) -> None:
    _analyst_app(identity_app, tmp_path)
    web = Web(identity_app.test_client())
    web.sign_in(user, password_of(user))
    page = web.client.get("/estudio/plantillas/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    link = "/estudio/plantillas/certificado_prueba/1/vista-previa.pdf?carpeta=permiso"
    assert link in html
    pdf = web.client.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Ejemplo de titular" in _text(pdf.data, tmp_path)
    for missing in ("1/vista-previa.pdf?carpeta=otra", "7/vista-previa.pdf?carpeta=permiso", "1/vista-previa.pdf",
                    "uno/vista-previa.pdf?carpeta=permiso"):
        assert web.client.get(f"/estudio/plantillas/certificado_prueba/{missing}").status_code == 404, missing


@pytest.mark.parametrize("user", [u for u, (roles, _) in ROLE_USERS.items() if not {"analyst", "admin"} & set(roles)])
def test_preview_page_is_closed_to_others(identity_app: Flask, tmp_path: Path, user: str) -> None:
    _analyst_app(identity_app, tmp_path)
    web = Web(identity_app.test_client())
    web.sign_in(user, password_of(user))
    for path in ("/estudio/plantillas/", "/estudio/plantillas/certificado_prueba/1/vista-previa.pdf?carpeta=permiso"):
        assert web.client.get(path).status_code == 403, (user, path)


def test_preview_page_asks_to_sign_in(identity_app: Flask) -> None:
    response = identity_app.test_client().get("/estudio/plantillas/")
    assert response.status_code in (302, 303) and "/ingresar" in response.headers["Location"]




def test_a_template_whose_data_a_script_makes_previews_with_its_example(tmp_path: Path) -> None:
    # the cadastral certificate's ``datos`` is ``datos_certificado``, made by a script: the preview
    # renders its ``certificado/ejemplo.json`` (without it, the studio's page was a 422)
    from connectors.documents.checks import preview_template
    from engine.errors import DataInvalid
    from engine.workflow.templates import preview_files

    bundle = Path(__file__).resolve().parents[2] / "processes" / "certificado_catastral"
    files = {str(p.relative_to(bundle)): p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
    text = _text(preview_files(files, "certificado", preview_template), tmp_path)
    assert "Certificado de dominio y medidas, pedido por María Fernández" in " ".join(text.split())
    broken = {**files, "certificado/ejemplo.json": b"[1, 2]"}
    with pytest.raises(DataInvalid):
        preview_files(broken, "certificado", preview_template)


def test_an_example_that_is_not_a_json_object_is_refused_at_deploy(api: ApiClient, tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    (folder / "permiso" / "ejemplo.json").write_text('["no", "es", "un objeto"]', encoding="utf-8")
    errors = api.deploy(folder).get_json()["errors"]
    assert any(e["file"] == "permiso/ejemplo.json" and "objeto JSON" in e["message"] for e in errors), errors
