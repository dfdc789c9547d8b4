"""PAdES signing, the development certificate and the inspection of presented PDFs.

Every signature check goes through pyHanko's own validator with the development
certificate as the only trust root; tampering is done on real signed bytes.
"""

from __future__ import annotations

import io
import re
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from connectors.documents import (
    BASE_TEMPLATE_DIR,
    SigningConfigError,
    SigningError,
    create_development_certificate,
    inspect_pdf,
    load_signer,
    render_certificate,
    sign_pdf,
    signing_certificate,
)
from connectors.documents.loops import outside_event_loop

PASSWORD = "clave-de-prueba"
URL = "https://tramites.smt.gob.ar/verificar/K7QF-2M4X-ZP3D-R6WA"


@pytest.fixture(scope="module")
def dev_p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_development_certificate(tmp_path_factory.mktemp("firma") / "desarrollo.p12", PASSWORD)


@pytest.fixture(scope="module")
def dev_cert(dev_p12: Path) -> x509.Certificate:
    return signing_certificate(dev_p12, PASSWORD)


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_certificate(BASE_TEMPLATE_DIR, {"titular": "José Pérez"}, verification_url=URL,
                              case_number="EXP-2026-000042", title="Certificado de prueba")


@pytest.fixture(scope="module")
def signed(unsigned: bytes, dev_p12: Path) -> bytes:
    return sign_pdf(unsigned, dev_p12, PASSWORD, reason="Emisión de certificado")


def _pyhanko_status(pdf: bytes, cert: x509.Certificate) -> tuple[Any, Any]:
    reader = PdfFileReader(io.BytesIO(pdf))
    (embedded,) = reader.embedded_signatures
    root = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    # pyhanko runs asyncio.run(): off this thread, where a browser test's Playwright loop may be running.
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    return embedded, outside_event_loop(lambda: validate_pdf_signature(embedded, context))


def test_development_certificate(dev_p12: Path, dev_cert: x509.Certificate) -> None:
    common_name = dev_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    organization = dev_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert "NO VÁLIDO PARA PRODUCCIÓN" in common_name and "desarrollo" in common_name
    assert "desarrollo" in organization
    assert dev_cert.issuer == dev_cert.subject  # self-signed
    usage = dev_cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    lifetime = dev_cert.not_valid_after_utc - dev_cert.not_valid_before_utc
    assert timedelta(days=5 * 365) <= lifetime <= timedelta(days=5 * 366)
    assert dev_cert.not_valid_before_utc <= datetime.now(UTC)
    key = dev_cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert stat.S_IMODE(dev_p12.stat().st_mode) == 0o600


def test_development_certificate_never_clobbers_a_file(dev_p12: Path) -> None:
    before = dev_p12.read_bytes()
    with pytest.raises(FileExistsError):
        create_development_certificate(dev_p12, "otra")
    assert dev_p12.read_bytes() == before


@pytest.mark.parametrize("password", ["equivocada", ""])
def test_wrong_password_or_missing_file(dev_p12: Path, tmp_path: Path, password: str) -> None:
    with pytest.raises(SigningConfigError, match="contraseña incorrecta"):
        load_signer(dev_p12, password)
    with pytest.raises(SigningConfigError, match="No se pudo leer"):
        sign_pdf(b"%PDF-1.7", tmp_path / "no-existe.p12", PASSWORD, reason="x")


def test_signature_is_pades_intact_valid_and_trusted(signed: bytes, dev_cert: x509.Certificate) -> None:
    embedded, status = _pyhanko_status(signed, dev_cert)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.field_name == "FirmaMunicipal"
    sig = embedded.sig_object
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig["/Reason"] == "Emisión de certificado" and sig["/Location"] == "San Miguel de Tucumán"
    # The signer's certificate travels inside the signature (B-B), with signing-certificate-v2.
    assert status.signing_cert.dump() == dev_cert.public_bytes(serialization.Encoding.DER)
    signed_attrs = {attr["type"].native for attr in embedded.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in signed_attrs
    assert embedded.docmdp_level is not None  # a certification signature: no later changes allowed


def test_inspect_authentic(signed: bytes, dev_cert: x509.Certificate) -> None:
    found = inspect_pdf(signed, trusted_cert=dev_cert)
    assert (found.signed, found.intact, found.valid, found.trusted, found.modified) == (True, True, True, True, False)
    assert found.coverage == "ENTIRE_FILE" and found.state == "intact"
    assert found.signer is not None and "NO VÁLIDO PARA PRODUCCIÓN" in found.signer
    assert found.signed_at is not None and abs(found.signed_at - datetime.now(UTC)) < timedelta(minutes=10)
    assert found.as_dict()["sha256"] == found.sha256 and len(found.sha256) == 64
    # The certificate may also come as PEM or DER bytes.
    assert inspect_pdf(signed, dev_cert.public_bytes(serialization.Encoding.PEM)).state == "intact"
    assert inspect_pdf(signed, dev_cert.public_bytes(serialization.Encoding.DER)).state == "intact"


def test_inspect_other_signer_is_not_trusted(signed: bytes, tmp_path: Path) -> None:
    other = signing_certificate(create_development_certificate(tmp_path / "otro.p12", "x"), "x")
    for trusted in (other, None):
        found = inspect_pdf(signed, trusted_cert=trusted)
        assert found.intact and not found.trusted and not found.modified
        assert found.state == "untrusted"


def _byte_range(pdf: bytes) -> list[int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match
    return [int(n) for n in match.groups()]


def _flip_positions(pdf: bytes) -> dict[str, int]:
    start, first_len, second_start, second_len = _byte_range(pdf)
    in_stream = pdf.index(b"stream", 100) + 40  # inside the first compressed content stream
    assert in_stream < start + first_len
    return {
        "content stream": in_stream,
        "middle of the first signed range": first_len // 2,
        "header": 5,
        "second signed range": second_start + second_len // 2,
        "signature container": start + first_len + 200,  # inside the /Contents hex string
    }


@pytest.mark.parametrize("where", ["content stream", "middle of the first signed range", "header",
                                   "second signed range", "signature container"])
def test_a_flipped_byte_is_modified(signed: bytes, dev_cert: x509.Certificate, where: str) -> None:
    position = _flip_positions(signed)[where]
    tampered = bytearray(signed)
    tampered[position] = ord("0") if tampered[position] != ord("0") else ord("1")  # stays a hex digit
    found = inspect_pdf(bytes(tampered), trusted_cert=dev_cert)
    assert found.signed and found.modified and not found.trusted
    if where == "signature container":
        assert found.valid is not True  # the document hashes right; the CMS container broke
    else:
        assert found.intact is not True
    assert found.state == "modified" and found.label == "modificado"
    assert found.sha256 != inspect_pdf(signed).sha256


def test_a_flipped_byte_fails_pyhanko_itself(signed: bytes, dev_cert: x509.Certificate) -> None:
    tampered = bytearray(signed)
    tampered[_flip_positions(signed)["content stream"]] ^= 0x01
    _embedded, status = _pyhanko_status(bytes(tampered), dev_cert)
    assert not status.intact and not status.bottom_line


def _append_metadata(writer: IncrementalPdfFileWriter) -> None:
    writer.set_info(generic.DictionaryObject({pdf_name("/Title"): generic.TextStringObject("Libre deuda (falso)")}))


def _append_annotation(writer: IncrementalPdfFileWriter) -> None:
    page_ref, _resources = writer.find_page_for_modification(0)
    annot = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/FreeText"),
        pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (50, 50, 300, 80)]),
        pdf_name("/Contents"): generic.TextStringObject("SIN DEUDA"),
        pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
    })
    writer.register_annotation(page_ref, writer.add_object(annot))


def _append_overlay(writer: IncrementalPdfFileWriter) -> None:
    # Paint a white box over part of the page: what a forger would do to hide a line.
    content = generic.StreamObject(stream_data=b"q 1 1 1 rg 50 400 400 40 re f Q")
    writer.add_stream_to_page(0, writer.add_object(content))


@pytest.mark.parametrize("change", [_append_metadata, _append_annotation, _append_overlay],
                         ids=["metadata", "annotation", "overlay"])
def test_an_appended_revision_is_modified(signed: bytes, dev_cert: x509.Certificate,
                                          change: Callable[[IncrementalPdfFileWriter], None]) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(signed) and len(updated) > len(signed)
    found = inspect_pdf(updated, trusted_cert=dev_cert)
    # The original signature still verifies over what it signed, but no longer covers the file.
    assert found.intact and found.valid and found.trusted
    assert found.coverage == "ENTIRE_REVISION"
    assert found.modified and found.state == "modified" and found.label == "modificado"


def test_a_pdf_never_signed(unsigned: bytes, dev_cert: x509.Certificate) -> None:
    found = inspect_pdf(unsigned, trusted_cert=dev_cert)
    assert (found.readable, found.signed, found.intact, found.modified) == (True, False, None, False)
    assert found.state == "unsigned" and found.signatures == 0


@pytest.mark.parametrize("data", [b"", b"hola", b"%PDF-1.7\n%%EOF", b"\x00" * 2048])
def test_garbage_is_unreadable_not_an_error(data: bytes) -> None:
    found = inspect_pdf(data)
    assert found.state == "unreadable" and not found.signed


@pytest.mark.parametrize("cut", [1, 40, 400])
def test_a_truncated_signed_pdf_is_modified(signed: bytes, dev_cert: x509.Certificate, cut: int) -> None:
    found = inspect_pdf(signed[:-cut], trusted_cert=dev_cert)
    assert found.signed and found.modified and found.state == "modified"


def test_signing_garbage_fails_cleanly(dev_p12: Path) -> None:
    with pytest.raises(SigningError, match="No se pudo firmar"):
        sign_pdf(b"esto no es un PDF", dev_p12, PASSWORD, reason="x")


def test_a_loaded_signer_signs_many(unsigned: bytes, dev_p12: Path, dev_cert: x509.Certificate) -> None:
    signer = load_signer(dev_p12.read_bytes(), PASSWORD.encode())
    first = sign_pdf(unsigned, signer, reason="uno", certify=False)
    second = sign_pdf(unsigned, signer, reason="dos", field_name="Otra")
    assert first != second
    assert inspect_pdf(first, dev_cert).state == inspect_pdf(second, dev_cert).state == "intact"
