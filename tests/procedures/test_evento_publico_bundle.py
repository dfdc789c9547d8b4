"""«Evento público» deploys from a ZIP of its folder alone, and a broken copy is refused with every problem.

Done-when of issue #17, from outside: the bundle is the whole procedure. The ZIP is built here
from ``processes/evento_publico`` (permit template included) and sent to a fresh platform whose
settings are the test defaults (no template folder, nothing about this procedure); a case then
runs to the signed permit, rendered from the template stored with the deployed version.

The broken copy: ``tests/engine/test_validation_all_at_once.py`` already breaks the evento bundle
(unquoted duration, wrong decision id, dangling flow, unknown group, FEEL range, a template block
the layout does not define) but leaves every enum labelled; here the same copy also loses the
labels of one enum, travels as a ZIP, and the label warning is listed beside the refusal's
problems with file and element.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from tests.engine.test_validation_all_at_once import BREAKS
from tests.procedures.conftest import PROCESSES, Case, Platform
from tests.procedures.test_evento_publico import KEY, MESA_OK, solicitud

SOURCE = PROCESSES / KEY
#: Printed only by the template of the second version (see the versions test).
MARKER = "Ejemplar de la versión dos"


def _files(changes: dict[str, list[tuple[str, str]]] | None = None) -> dict[str, bytes]:
    """The bundle's files by relative path, with ``changes`` (file → [(original, replacement)]) applied."""
    files = {p.relative_to(SOURCE).as_posix(): p.read_bytes() for p in sorted(SOURCE.rglob("*")) if p.is_file()}
    for name, edits in (changes or {}).items():
        text = files[name].decode("utf-8")
        for original, replacement in edits:
            assert original in text, (name, original)
            text = text.replace(original, replacement, 1)
        files[name] = text.encode("utf-8")
    return files


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _deploy_zip(platform: Platform, content: bytes) -> Any:
    return platform.api.post("/api/v1/deployments", content_type="multipart/form-data",
                             data={"files": [(io.BytesIO(content), f"{KEY}.zip")]})


def _to_the_permit(platform: Platform, case: Case) -> None:
    """Mesa accepts, the areas the case needs review it, the direction grants, the fee is paid."""
    case.complete("revisar_solicitud", MESA_OK)
    for element in [e for e in case.ready() if e.startswith("dictaminar_")]:
        area = element.removeprefix("dictaminar_")
        case.complete(element, {f"dictamen_{area}": "favorable", f"informe_{area}": "Sin objeciones."})
    case.complete("resolver", {"resolucion": "otorgar", "fundamentos": "Cumple los requisitos."})
    platform.pay(case.data["boleta"]["numero"])


def _permit_text(platform: Platform, case: Case) -> str:
    """The text of the case's permit PDF as stored; the PDF must carry one signature."""
    stored = platform.app.extensions["tramites"].documents.store.get(case.data["permiso"]["clave"])
    try:
        content = stored.read()
    finally:
        stored.close()
    assert len(PdfFileReader(io.BytesIO(content)).embedded_signatures) == 1
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages)


def test_the_zip_alone_deploys_on_a_fresh_platform_and_a_case_gets_its_signed_permit(platform: Platform) -> None:
    settings = platform.app.extensions["tramites"].settings
    assert not settings.get("TEMPLATES_ROOT")  # nothing on the server's disk names a template folder
    content = _zip(_files())
    assert {"permiso/template.html", "permiso/permiso.css", "manifest.yaml"} <= set(
        zipfile.ZipFile(io.BytesIO(content)).namelist())

    response = _deploy_zip(platform, content)
    body = response.get_json()
    assert response.status_code == 201, body
    assert (body["key"], body["version"], body.get("warnings") or []) == (KEY, 1, [])
    # the template belongs to the version: it previews from there with sample data
    preview = platform.api.get(f"/api/v1/processes/{KEY}/versions/1/templates/permiso/preview")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF"), preview.get_data(as_text=True)[:2000]

    case = platform.start(KEY, solicitud(platform, corte=True))
    _to_the_permit(platform, case)
    final = case.detail
    assert final["status"] == "completed" and case.incidents() == [], final
    assert case.path()[-1] == "fin_otorgado"
    verdict = platform.verify(final["data"]["permiso"]["codigo"])
    assert verdict["verdict"] == "auténtico" and verdict["certificate"]["case_number"] == case.number
    text = _permit_text(platform, case)
    assert "Dirección de Espacios Públicos" in text and "25 de Mayo entre San Martín y Mendoza" in text, text


def test_each_version_renders_the_template_it_was_deployed_with(platform: Platform) -> None:
    """A case started on version 1 gets version 1's permit even after version 2 changed the template."""
    assert _deploy_zip(platform, _zip(_files())).status_code == 201
    first = platform.start(KEY, solicitud(platform))
    changed = {"permiso/template.html": [("<p class=\"oficina\">Dirección de Espacios Públicos</p>",
                                          f"<p class=\"oficina\">Dirección de Espacios Públicos. {MARKER}</p>")]}
    second_version = _deploy_zip(platform, _zip(_files(changed)))
    assert second_version.status_code == 201 and second_version.get_json()["version"] == 2
    second = platform.start(KEY, solicitud(platform))
    for case in (first, second):
        _to_the_permit(platform, case)
        assert case.status == "completed", case.detail
    assert MARKER not in _permit_text(platform, first)
    assert MARKER in _permit_text(platform, second)


def test_the_cli_deploys_the_zip(platform: Platform, tmp_path: Path) -> None:
    archive = tmp_path / f"{KEY}.zip"
    archive.write_bytes(_zip(_files()))
    result = platform.app.test_cli_runner().invoke(args=["deploy", str(archive)])
    assert result.exit_code == 0, result.output
    assert f"{KEY} versión 1 (desplegado)" in result.output and "Aviso" not in result.output, result.output
    case = platform.start(KEY, solicitud(platform))
    _to_the_permit(platform, case)
    assert case.status == "completed" and case.incidents() == []


#: One enum of the bundle loses its labels (the UI schema's ``ui:enumNames``).
UNLABELLED = {"defensa.uischema.json": [('"ui:enumNames": ["Favorable", "Desfavorable"]', '"ui:placeholder": "Elija"')]}


def test_a_broken_copy_with_an_unlabelled_enum_lists_it_beside_every_other_problem(platform: Platform) -> None:
    response = _deploy_zip(platform, _zip(_files({**BREAKS, **UNLABELLED})))
    body = response.get_json()
    assert response.status_code == 422 and response.mimetype == "application/problem+json", body
    errors = [(e["file"], e["element"], e["message"]) for e in body["errors"]]
    for file, phrase in [("evento_publico.bpmn", 'entre comillas: "P10D"'),
                         ("evento_publico.bpmn", "¿Quiso decir «evento_riesgo»"),
                         ("evento_publico.bpmn", "«revision_gw2», que no existe en el proceso"),
                         ("riesgo.dmn", "Fila 2, columna «Asistentes"),
                         ("permiso/template.html", "El bloque «encabezado» no existe en plataforma/layout.html")]:
        assert [e for e in errors if e[0] == file and e[1] and phrase in e[2]], (phrase, "\n".join(map(str, errors)))
    warnings = {(w["file"], w["element"]): w["message"] for w in body["warnings"]}
    unlabelled = warnings.get(("defensa.schema.json", "dictamen_defensa"), "")
    assert "ofrece opciones sin etiquetas" in unlabelled and "ui:enumNames" in unlabelled, body["warnings"]
    assert "¿Quiso decir «defensa_civil»?" in warnings[("evento_publico.bpmn", "defensa_cvil")]
    # only the one enum that lost its labels is warned about
    assert [w for w in warnings.values() if "sin etiquetas" in w] == [unlabelled]
    assert platform.api.get(f"/api/v1/processes/{KEY}").status_code == 404


def test_the_unlabelled_enum_alone_deploys_with_its_warning(platform: Platform) -> None:
    """Missing labels do not stop a deployment (the values would show as they are): a warning, not a refusal."""
    response = _deploy_zip(platform, _zip(_files(UNLABELLED)))
    body = response.get_json()
    assert response.status_code == 201, body
    assert [(w["file"], w["element"]) for w in body["warnings"]] == [("defensa.schema.json", "dictamen_defensa")]
