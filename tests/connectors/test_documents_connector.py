"""``documentos/emitir_certificado`` end to end: the deployment's template files, real signing, LocalStorage."""

from __future__ import annotations

import hashlib
import logging
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from connectors.base import ConnectorContext, PermanentError, TemporaryError
from connectors.documents import (
    DocumentsConnector,
    SigningConfigError,
    TemplateNotFoundError,
    create_development_certificate,
    folder_of,
    inspect_pdf,
    normalize_verification_code,
    signing_certificate,
)
from storage.local import LocalStorage
from tests.fixtures.require import require_binary

PASSWORD = "clave-del-conector"
PUBLIC_URL = "https://tramites.smt.gob.ar"
PARAMS = {
    "plantilla": "certificado",
    "datos": {"titular": "Ana Belén Ibáñez", "padron": "778899", "deuda": False},
    "titulo": "Certificado catastral",
}


@pytest.fixture(scope="module")
def p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_development_certificate(tmp_path_factory.mktemp("firma") / "municipal.p12", PASSWORD)


CERTIFICATE = ('{% extends "plataforma/layout.html" %}{% block cuerpo %}'
               "<p>Titular: {{ datos.titular }} — Padrón {{ datos.padron }}.</p>"
               "<p>{% if datos.deuda %}Registra deuda.{% else %}No registra deuda.{% endif %}</p>"
               "{% endblock %}")


@pytest.fixture
def files() -> dict[str, bytes]:
    """A deployed version's files, as the engine hands them over (bundle-relative names)."""
    return {"catastro.bpmn": b"<definitions/>", "certificado/template.html": CERTIFICATE.encode(),
            "otra/template.html": b"<p>{{ datos.titular }}</p>", "secreto/notas.txt": b"no"}


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "documentos")


@pytest.fixture
def config(p12: Path, files: dict[str, bytes]) -> dict[str, Any]:
    return {"SIGNING_CERT": str(p12), "SIGNING_PASSWORD": PASSWORD, "PUBLIC_URL": PUBLIC_URL,
            "TIMEZONE": "America/Argentina/Tucuman", "_files": files}


def _context(config: dict[str, Any], storage: Any, **instance: Any) -> ConnectorContext:
    facts = {"process_key": "catastro", "case_number": "CAT-2026-000031", **instance}
    settings = {k: v for k, v in config.items() if k != "_files"}
    return ConnectorContext(config=settings, storage=storage, instance=facts, files=config["_files"])


def _operation() -> Any:
    (declared, method), = [v for k, v in DocumentsConnector.operations().items() if k == "emitir_certificado"]
    return declared, method


def test_declaration() -> None:
    declared, method = _operation()
    assert DocumentsConnector.name == "documentos" and method == "emitir_certificado"
    jsonschema.Draft202012Validator.check_schema(declared.params)
    jsonschema.Draft202012Validator.check_schema(declared.result)
    jsonschema.validate(PARAMS, declared.params)
    for bad in ({**PARAMS, "plantilla": "../../etc"}, {**PARAMS, "extra": 1}, {"plantilla": "x", "datos": {}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, declared.params)


def test_issue_end_to_end(config: dict[str, Any], storage: LocalStorage, p12: Path, tmp_path: Path) -> None:
    connector = DocumentsConnector(config)
    result = connector.emitir_certificado(dict(PARAMS), _context(config, storage))
    jsonschema.validate(result, _operation()[0].result)

    with storage.get(result["clave"]) as stream:
        stored = stream.read()
    assert hashlib.sha256(stored).hexdigest() == result["sha256"] == result["clave"]
    assert storage.stat(result["clave"]).size == result["bytes"] == len(stored)
    assert normalize_verification_code(result["codigo"]) == result["codigo"]
    assert result["url_verificacion"] == f"{PUBLIC_URL}/verificar/{result['codigo']}"
    assert result["titulo"] == "Certificado catastral" and result["numero_expediente"] == "CAT-2026-000031"
    assert result["fecha_emision"].endswith("+00:00")

    found = inspect_pdf(stored, trusted_cert=signing_certificate(p12, PASSWORD))
    assert found.state == "intact" and found.sha256 == result["sha256"]

    exe = require_binary("pdftotext", "poppler-utils")
    (tmp_path / "c.pdf").write_bytes(stored)
    text = " ".join(subprocess.run([exe, str(tmp_path / "c.pdf"), "-"], capture_output=True, check=True,
                                   timeout=30).stdout.decode("utf-8").split())
    for expected in ("Certificado catastral", "Expediente N.º CAT-2026-000031", "Titular: Ana Belén Ibáñez",
                     "No registra deuda.", result["codigo"], result["url_verificacion"]):
        assert expected in text, expected


def test_each_issue_gets_its_own_code(config: dict[str, Any], storage: LocalStorage) -> None:
    connector = DocumentsConnector(config)
    first = connector.emitir_certificado(dict(PARAMS), _context(config, storage))
    second = connector.emitir_certificado(dict(PARAMS), _context(config, storage))
    assert first["codigo"] != second["codigo"] and first["clave"] != second["clave"]
    assert storage.exists(first["clave"]) and storage.exists(second["clave"])


def test_platform_template_and_another_folder_of_the_deployment(config: dict[str, Any],
                                                                 storage: LocalStorage) -> None:
    connector = DocumentsConnector(config)
    base = connector.emitir_certificado({**PARAMS, "plantilla": "plataforma"}, _context(config, storage))
    other = connector.emitir_certificado({**PARAMS, "plantilla": "otra"}, _context(config, storage))
    assert storage.exists(base["clave"]) and storage.exists(other["clave"])
    assert other["plantilla"] == "otra"


def test_template_resolution(files: dict[str, bytes]) -> None:
    assert "layout.html" in folder_of(files, "plataforma")
    assert set(folder_of(files, "certificado")) == {"template.html"}
    nested = {**files, "plantillas/permiso/template.html": b"x", "plantillas/permiso/estilo.css": b"p{}"}
    assert set(folder_of(nested, "plantillas/permiso")) == {"template.html", "estilo.css"}
    for name in ("../certificado", "certificado/..", "secreto", "no_existe", "", "/certificado", "certificado/"):
        with pytest.raises(TemplateNotFoundError):
            folder_of(files, name)
    with pytest.raises(TemplateNotFoundError, match="no existe en esta versión"):
        folder_of({}, "certificado")


def test_nothing_is_read_from_the_server_disk(config: dict[str, Any], storage: LocalStorage) -> None:
    """Outside a process (no deployment files) a bundle's folder is unknown, whatever the disk holds."""
    assert "TEMPLATES_ROOT" not in DocumentsConnector.settings
    empty = {**config, "_files": {}}
    with pytest.raises(TemplateNotFoundError, match="no existe en esta versión"):
        DocumentsConnector(config).emitir_certificado(dict(PARAMS), _context(empty, storage))


def test_configuration_errors(config: dict[str, Any], storage: LocalStorage) -> None:
    connector = DocumentsConnector()
    with pytest.raises(SigningConfigError, match="TRAMITES_SIGNING_CERT"):
        connector.emitir_certificado(dict(PARAMS), _context({**config, "SIGNING_CERT": None}, storage))
    with pytest.raises(SigningConfigError, match="contraseña incorrecta"):
        connector.emitir_certificado(dict(PARAMS), _context({**config, "SIGNING_PASSWORD": "mal"}, storage))
    with pytest.raises(PermanentError, match="TRAMITES_PUBLIC_URL"):
        connector.emitir_certificado(dict(PARAMS), _context({**config, "PUBLIC_URL": None}, storage))
    with pytest.raises(PermanentError, match="almacenamiento"):
        connector.emitir_certificado(dict(PARAMS), _context(config, None))


def test_public_url_falls_back_to_the_instance(config: dict[str, Any], storage: LocalStorage) -> None:
    result = DocumentsConnector().emitir_certificado(
        dict(PARAMS), _context({**config, "PUBLIC_URL": None}, storage, public_url="http://127.0.0.1:5000/"))
    assert result["url_verificacion"].startswith("http://127.0.0.1:5000/verificar/")


def test_an_unwritable_storage_is_a_temporary_error(config: dict[str, Any], tmp_path: Path) -> None:
    blocker = tmp_path / "archivo"
    blocker.write_text("no es una carpeta", encoding="utf-8")
    with pytest.raises(TemporaryError, match="no está disponible") as caught:
        DocumentsConnector().emitir_certificado(dict(PARAMS), _context(config, LocalStorage(blocker / "docs")))
    assert caught.value.temporary


def test_the_password_never_shows(config: dict[str, Any], storage: LocalStorage,
                                  caplog: pytest.LogCaptureFixture) -> None:
    connector = DocumentsConnector(config)
    assert PASSWORD not in repr(connector) and "***" in repr(connector)
    with caplog.at_level(logging.DEBUG):
        connector.emitir_certificado(dict(PARAMS), _context(config, storage))
    assert PASSWORD not in caplog.text and "certificate issued" in caplog.text
