"""PAdES signatures with pyHanko, and the development signing certificate.

The municipality signs with a PKCS#12 file from configuration. The signature is PAdES
baseline B-B (``ETSI.CAdES.detached`` with the signing-certificate-v2 attribute and the
signer's certificate embedded) and, by default, a certification signature that allows no
later change: every PDF reader then flags an edited copy.
"""

from __future__ import annotations

import asyncio
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from connectors.documents.errors import SigningConfigError, SigningError
from connectors.documents.loops import outside_event_loop

DEFAULT_LOCATION = "San Miguel de Tucumán"
DEFAULT_FIELD = "FirmaMunicipal"
DEV_COMMON_NAME = "NO VÁLIDO PARA PRODUCCIÓN — certificado de desarrollo"
DEV_ORGANIZATION = "Municipalidad de San Miguel de Tucumán (desarrollo)"
DEV_VALIDITY = timedelta(days=5 * 365)

P12Source = str | os.PathLike[str] | bytes


def _p12_bytes(source: P12Source) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError as e:
        raise SigningConfigError("No se pudo leer el certificado de firma configurado.", detail=str(source)) from e


def _password(password: str | bytes | None) -> bytes | None:
    return password.encode("utf-8") if isinstance(password, str) else password


class MunicipalSigner(signers.SimpleSigner):
    """pyHanko's in-memory signer, keeping the parsed private key.

    ``SimpleSigner`` parses the key again for every signature, and cryptography
    re-validates an RSA key each time it is parsed (~30 ms). This subclass signs with the
    key object loaded from the PKCS#12 archive, and leaves other mechanisms to pyHanko.

    It also remembers the room the signature takes in the PDF. Left alone, pyHanko signs
    every document twice: once with a dummy digest, only to measure the signature, then for
    real. The measure depends on the certificate, the key and the signed attributes, never
    on the document, so :func:`sign_pdf` takes it once per signer and settings.
    """

    def __init__(self, private_key: Any, certificate: x509.Certificate, chain: list[x509.Certificate]) -> None:
        store = SimpleCertificateStore()
        store.register_multiple([_to_asn1(extra) for extra in chain])
        key_info = asn1_keys.PrivateKeyInfo.load(private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        super().__init__(signing_cert=_to_asn1(certificate), signing_key=key_info, cert_registry=store)
        self._private_key = private_key
        self.reserved_sizes: dict[tuple[Any, ...], int] = {}

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        # The same dispatch as SimpleSigner.sign_raw for the two common mechanisms.
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if algorithm == "rsassa_pkcs1v15" and isinstance(self._private_key, rsa.RSAPrivateKey):
            return self._private_key.sign(data, PKCS1v15(), digest)
        if algorithm == "ecdsa" and isinstance(self._private_key, ec.EllipticCurvePrivateKey):
            return self._private_key.sign(data, ec.ECDSA(digest))
        return bytes(super().sign_raw(data, digest_algorithm))


def _to_asn1(certificate: x509.Certificate) -> Any:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _open_p12(p12: P12Source, password: str | bytes | None) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(_p12_bytes(p12), _password(password))
    except ValueError as e:
        raise SigningConfigError(
            "El certificado de firma no se pudo abrir (archivo dañado o contraseña incorrecta).") from e
    if cert is None or key is None:
        raise SigningConfigError("El archivo de firma no contiene un certificado con su clave privada.")
    return key, cert, list(chain)


def load_signer(p12: P12Source, password: str | bytes | None) -> MunicipalSigner:
    """Open a PKCS#12 archive as a pyHanko signer (key, certificate, chain).

    Open it once and pass the signer to :func:`sign_pdf` when signing many documents.

    :param p12: path of the ``.p12``/``.pfx`` file, or its bytes.
    :param password: the archive's password.
    :raises SigningConfigError: when the file is missing, unreadable, the password is
        wrong or it holds no certificate with its key.
    """
    key, cert, chain = _open_p12(p12, password)
    return MunicipalSigner(key, cert, chain)


def signing_certificate(p12: P12Source, password: str | bytes | None) -> x509.Certificate:
    """Return the signer's certificate from a PKCS#12 archive (the trust root to verify with).

    :param p12: path of the archive, or its bytes.
    :param password: the archive's password.
    :raises SigningConfigError: when the archive does not open or holds no certificate.
    """
    return _open_p12(p12, password)[1]


def sign_pdf(
    pdf_bytes: bytes,
    p12_path_or_bytes: P12Source | signers.SimpleSigner,
    password: str | bytes | None = None,
    *,
    reason: str,
    location: str = DEFAULT_LOCATION,
    field_name: str = DEFAULT_FIELD,
    certify: bool = True,
) -> bytes:
    """Sign a PDF (PAdES B-B) with the municipality's certificate.

    :param pdf_bytes: the PDF to sign.
    :param p12_path_or_bytes: the PKCS#12 archive (path or bytes), or a signer from
        :func:`load_signer` to avoid opening the archive on every call.
    :param password: the archive's password (ignored with a signer).
    :param reason: why it is signed, shown by PDF readers (``Emisión de certificado``).
    :param location: where it is signed.
    :param field_name: the (invisible) signature field to create.
    :param certify: make it a certification signature that permits no later changes.
    :return: the signed PDF: the input plus one incremental revision.
    :raises SigningConfigError: when the certificate does not open.
    :raises SigningError: when the input is not a PDF pyHanko can sign.
    """
    if isinstance(p12_path_or_bytes, signers.SimpleSigner):
        signer = p12_path_or_bytes
    else:
        signer = load_signer(p12_path_or_bytes, password)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        pdf_signer = signers.PdfSigner(meta, signer)
        reserved = _reserved_size(pdf_signer, pdf_bytes)
        out = outside_event_loop(lambda: pdf_signer.sign_pdf(writer, bytes_reserved=reserved))
    except (PdfError, PyHankoSigningError, ValueError) as e:
        raise SigningError("No se pudo firmar el documento.", detail=repr(e)) from e
    return bytes(out.getvalue())


def _reserved_size(pdf_signer: signers.PdfSigner, pdf_bytes: bytes) -> int | None:
    """The bytes a :class:`MunicipalSigner`'s signature takes, measured the first time the way pyHanko does.

    ``None`` for any other signer: pyHanko measures it again, as usual.
    """
    signer = pdf_signer.signer
    if not isinstance(signer, MunicipalSigner):
        return None
    meta = pdf_signer.signature_meta
    key = (meta.md_algorithm, meta.subfilter, meta.tight_size_estimates, meta.use_pades_lta,
           meta.embed_validation_info)
    if key not in signer.reserved_sizes:
        scratch = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        signer.reserved_sizes[key] = outside_event_loop(lambda: asyncio.run(_measure(pdf_signer, scratch)))
    return signer.reserved_sizes[key]


async def _measure(pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter) -> int:
    # The first steps of PdfSigner.async_sign_pdf, up to its estimate.
    session = pdf_signer.init_signing_session(writer)
    validation = await session.perform_presign_validation(writer)
    size = await session.estimate_signature_container_size(
        validation, tight=pdf_signer.signature_meta.tight_size_estimates)
    return int(size)


def create_development_certificate(path: str | os.PathLike[str], password: str, *, overwrite: bool = False) -> Path:
    """Write a self-signed PKCS#12 signing certificate for development and tests.

    Its subject says, in the common name and the organisation, that it is not valid for
    production: RSA 2048, five years, key usage digitalSignature and nonRepudiation. The
    file is created with mode 0600.

    :param path: where to write the ``.p12`` file.
    :param password: the password that protects the archive.
    :param overwrite: replace an existing file (by default an existing file is an error,
        so that a real certificate is never clobbered).
    :return: the file's path.
    :raises FileExistsError: when ``path`` exists and ``overwrite`` is false.
    """
    target = Path(path)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, DEV_COMMON_NAME),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "NO VÁLIDO PARA PRODUCCIÓN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORGANIZATION),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "San Miguel de Tucumán"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "AR"),
    ])
    now = datetime.now(UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # tolerate small clock differences
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    archive = pkcs12.serialize_key_and_certificates(
        b"desarrollo", key, cert, None, serialization.BestAvailableEncryption(password.encode("utf-8")))
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(archive)
    return target
