"""Officials' credentials and countersignatures (PKCS#12), the per-signature verification, and
``documentos/emitir_para_firma`` (a document the platform's seal leaves for the officials)."""

from __future__ import annotations

import io
from pathlib import Path

import jsonschema
import pytest
import weasyprint
from pyhanko.pdf_utils.reader import PdfFileReader

from connectors.base import ConnectorContext
from connectors.documents import DocumentsConnector, SigningConfigError, inspect_pdf
from connectors.documents.officials import (
    Credential,
    countersign,
    create_official_credential,
    official_signer,
    p12_path,
)
from connectors.documents.verify import signature_list
from storage.local import LocalStorage
from tests.signatures.helpers import altered


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("funcionarios")
    create_official_credential(where / "direccion.p12", "firma-direccion", full_name="Silvia Toledo",
                               role="Directora de Comercio")
    create_official_credential(where / "hacienda.p12", "firma-hacienda", full_name="Roberto Acosta",
                               role="Secretario de Hacienda")
    return where


@pytest.fixture(scope="module")
def resolution() -> bytes:
    return weasyprint.HTML(string="<h1>Resolución 12/2026</h1><p>Se habilita el comercio.</p>").write_pdf()


def _sign(folder: Path, pdf: bytes, username: str, field: str) -> bytes:
    with official_signer(Credential(folder=str(folder)), username, f"firma-{username}") as signer:
        return countersign(pdf, signer, reason="Firma", field_name=field).pdf


def test_two_countersignatures_keep_each_other_valid(folder: Path, resolution: bytes) -> None:
    first = _sign(folder, resolution, "direccion", "Firma1")
    both = _sign(folder, first, "hacienda", "Firma2")
    assert both.startswith(first)  # an incremental update: the first signer's bytes are untouched
    inspection = inspect_pdf(both)
    assert inspection.signatures == 2 and not inspection.modified
    assert [(s["signer"], s["role"], s["modified"]) for s in inspection.signers] == [
        ("Silvia Toledo", "Directora de Comercio", False), ("Roberto Acosta", "Secretario de Hacienda", False)]


@pytest.mark.parametrize("edit_before_second", [True, False])
def test_an_edit_after_a_signature_is_reported_on_that_signature(folder: Path, resolution: bytes,
                                                                   edit_before_second: bool) -> None:
    first = _sign(folder, resolution, "direccion", "Firma1")
    if edit_before_second:
        document = _sign(folder, altered(first), "hacienda", "Firma2")
        expected = [True, False]
    else:
        document = altered(_sign(folder, first, "hacienda", "Firma2"))
        expected = [True, True]  # the last signature no longer covers the file either
    listed = signature_list(PdfFileReader(io.BytesIO(document)))
    assert [entry["modified"] for entry in listed] == expected
    assert inspect_pdf(document).state == "modified"


def test_a_flipped_byte_in_the_first_signed_revision_is_reported(folder: Path, resolution: bytes) -> None:
    both = bytearray(_sign(folder, _sign(folder, resolution, "direccion", "Firma1"), "hacienda", "Firma2"))
    spot = both.index(b"Resoluci") if b"Resoluci" in both else 200
    both[spot] ^= 0x01
    assert inspect_pdf(bytes(both)).modified


@pytest.mark.parametrize(("username", "passphrase", "message"), [
    ("direccion", "equivocada", "La clave de su credencial de firma no es correcta."),
    ("nadie", "x", "Usted no tiene una credencial de firma."),
    ("../direccion", "firma-direccion", "no puede nombrar una credencial"),
])
def test_a_credential_that_does_not_open_signs_nothing(folder: Path, username: str, passphrase: str,
                                                       message: str) -> None:
    with pytest.raises(SigningConfigError, match=message), \
            official_signer(Credential(folder=str(folder)), username, passphrase):
        pass


def test_credentials_are_private_and_never_overwritten(tmp_path: Path) -> None:
    path = create_official_credential(p12_path(tmp_path, "obras"), "firma-obras", full_name="Gustavo Ibáñez",
                                      role="Director de Obras")
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        create_official_credential(path, "otra", full_name="Otro", role="Otro")
    assert "pkcs11" in repr(Credential(pkcs11_module="/x.so", pkcs11_token="t"))


def test_the_operation_leaves_the_document_unsigned_for_the_officials(tmp_path: Path) -> None:
    params = {"plantilla": "plataforma", "titulo": "Resolución", "datos": {"titular": "Comercio Norte SRL"},
              "firmantes": [{"grupo": "direccion_comercio", "rol": "Directora de Comercio"},
                            {"grupo": "secretaria_hacienda"}], "mensaje": "resolucion_firmada"}
    operations = DocumentsConnector.operations()
    declared, method = operations["emitir_para_firma"]
    jsonschema.validate(params, declared.params)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**params, "firmantes": []}, declared.params)
    storage = LocalStorage(tmp_path / "documentos")
    context = ConnectorContext(config={"PUBLIC_URL": "https://tramites.example"}, storage=storage,
                               instance={"case_number": "RES-2026-000001"}, files={})
    result = getattr(DocumentsConnector(), method)(params, context)
    jsonschema.validate(result, declared.result)
    assert result["firmantes"] == params["firmantes"] and result["mensaje"] == "resolucion_firmada"
    with storage.get(result["clave"]) as stream:
        assert inspect_pdf(stream.read()).state == "unsigned"  # no seal: it would forbid the officials' signatures
