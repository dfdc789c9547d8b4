"""The studio's template editor: a draft's template folder as text areas, its check with file and
line, and its preview as a real PDF rendered from the draft with sample data from its forms."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from flask import Flask

from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.require import require_binary
from tests.worklists.studio.editors import bundle_files, csrf_header, draft_file, draft_of, signed_in

pytestmark = SQLITE_ONLY

BROKEN = ('{% extends "plataforma/layout.html" %}\n'
          '{% block cuerpo %}\n'
          '<p>{{ datos.titular }</p>\n'
          '{% endblock %}\n')


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    exe = require_binary("pdftotext", "poppler-utils")
    path = tmp_path / "vista.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([exe, str(path), "-"], capture_output=True, check=True, timeout=30).stdout
    return " ".join(out.decode("utf-8").split())


def test_the_page_shows_each_text_file_of_the_folder(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    web = signed_in(identity_app)
    page = web.client.get(f"/estudio/borradores/{draft_id}/plantillas/permiso")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Plantilla «permiso»" in html
    for name in ("permiso/template.html", "permiso/permiso.css", "permiso/verificacion.json"):
        assert f'data-file="{name}"' in html
    assert "Dirección de Espacios Públicos" in html  # the template's own text, in its text area
    assert f'data-preview-url="/estudio/borradores/{draft_id}/plantillas/permiso/vista-previa.pdf"' in html
    assert "<script>" not in html and " style=" not in html
    assert web.client.get(f"/estudio/borradores/{draft_id}/plantillas/otra").status_code == 404


def test_the_preview_of_a_draft_is_a_real_pdf_with_sample_data(identity_app: Flask, tmp_path: Path) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    web = signed_in(identity_app)
    base = f"/estudio/borradores/{draft_id}/plantillas/permiso"
    checked = web.client.post(f"{base}/revisar", headers=csrf_header(web, base))
    assert checked.status_code == 200 and checked.get_json() == {"ok": True, "problems": [], "warnings": []}
    pdf = web.client.get(f"{base}/vista-previa.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "frame-ancestors 'self'" in pdf.headers["Content-Security-Policy"]
    text = _pdf_text(pdf.data, tmp_path)
    # the organiser's name from the request form's sample, and the template's own text
    assert "Ejemplo de" in text and "Dirección de Espacios Públicos" in text
    download = web.client.get(f"{base}/vista-previa.pdf?descargar=1")
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_a_template_edited_in_the_draft_previews_as_edited(identity_app: Flask, tmp_path: Path) -> None:
    files = bundle_files("evento_publico")
    files["permiso/template.html"] = files["permiso/template.html"].replace(
        b"Este permiso", b"Texto cambiado en el estudio. Este permiso")
    draft_id = draft_of(identity_app, "evento_publico", files)
    web = signed_in(identity_app)
    pdf = web.client.get(f"/estudio/borradores/{draft_id}/plantillas/permiso/vista-previa.pdf")
    assert "Texto cambiado en el estudio." in _pdf_text(pdf.data, tmp_path)


def test_a_broken_template_is_explained_in_spanish_with_file_and_line(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    web = signed_in(identity_app)
    base = f"/estudio/borradores/{draft_id}/plantillas/permiso"
    headers = csrf_header(web, base)
    saved = web.client.put(f"/estudio/borradores/{draft_id}/archivos/permiso/template.html", data=BROKEN,
                           headers=headers)
    assert saved.status_code == 200, saved.get_json()
    body = web.client.post(f"{base}/revisar", headers=headers).get_json()
    assert body["ok"] is False
    [problem] = body["problems"]
    assert problem["file"] == "permiso/template.html" and problem["line"] == 3
    assert problem["message"].startswith("Error de sintaxis en la línea 3")
    pdf = web.client.get(f"{base}/vista-previa.pdf")
    refused = pdf.get_data(as_text=True)
    assert pdf.status_code == 422 and "La plantilla no se pudo generar" in refused and "línea 3" in refused


def test_a_new_template_folder_starts_from_the_platform_layout(identity_app: Flask, tmp_path: Path) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    web = signed_in(identity_app)
    page = f"/estudio/borradores/{draft_id}/plantillas/permiso"
    created = web.post_form(f"/estudio/borradores/{draft_id}/plantillas", {"carpeta": "aviso", "volver": page},
                            token_from=page)
    assert created.status_code == 302
    assert created.headers["Location"].endswith(f"/estudio/borradores/{draft_id}/plantillas/aviso")
    assert b'{% extends "plataforma/layout.html" %}' in draft_file(identity_app, draft_id, "aviso/template.html")
    assert draft_file(identity_app, draft_id, "aviso/verificacion.json") == b'{"campos": "todos"}\n'
    assert web.client.get(created.headers["Location"]).status_code == 200
    checked = web.client.post(f"/estudio/borradores/{draft_id}/plantillas/aviso/revisar",
                              headers=csrf_header(web, page))
    assert checked.get_json()["ok"] is True
    pdf = web.client.get(f"/estudio/borradores/{draft_id}/plantillas/aviso/vista-previa.pdf")
    assert "La Municipalidad certifica lo que sigue." in _pdf_text(pdf.data, tmp_path)
    again = web.post_form(f"/estudio/borradores/{draft_id}/plantillas", {"carpeta": "aviso", "volver": page},
                          token_from=page)
    assert again.status_code == 302 and "ya tiene la carpeta «aviso»" in web.client.get(page).get_data(as_text=True)
    bad = web.post_form(f"/estudio/borradores/{draft_id}/plantillas", {"carpeta": "../fuera", "volver": page},
                        token_from=page)
    assert bad.status_code == 302 and "El nombre de la carpeta" in web.client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("user", ["ciudadana", "mesa", "auditor"])
def test_others_cannot_open_or_preview(identity_app: Flask, user: str) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    web = signed_in(identity_app, user)
    for path in ("plantillas/permiso", "plantillas/permiso/vista-previa.pdf"):
        assert web.client.get(f"/estudio/borradores/{draft_id}/{path}").status_code == 403


def test_the_draft_page_leads_to_both_editors(identity_app: Flask) -> None:
    draft_id = draft_of(identity_app, "evento_publico")
    html = signed_in(identity_app).client.get(f"/estudio/borradores/{draft_id}/tramite").get_data(as_text=True)
    assert f'href="/estudio/borradores/{draft_id}/plantillas/permiso"' in html
    assert f'href="/estudio/borradores/{draft_id}/decisiones/riesgo.dmn"' in html
    assert f'action="/estudio/borradores/{draft_id}/decisiones"' in html
    assert f'action="/estudio/borradores/{draft_id}/plantillas"' in html
