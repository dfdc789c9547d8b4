"""Officials' own signatures: their credentials (PKCS#12 file or PKCS#11 token) and the PAdES countersignature.

A document a decision produces (a resolution, a licence) is signed by the officials who
decide, one after another. Each signature is an *approval* signature added as an
incremental update: the bytes an earlier official signed stay untouched, so their
signature stays valid, and pyHanko's difference analysis can tell a later signature
(allowed) from a later edit of the content (reported as a modification).

Where an official's key lives:

- **PKCS#12** (the embedded default): one ``<username>.p12`` per official in a folder,
  protected by a passphrase only the official knows and types when signing; nothing
  stores it. ``tramites init`` creates them for the demo officials.
- **PKCS#11** (production): a token or an HSM; the key and its certificate carry the
  official's username as label and the passphrase is the token's user PIN.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError

from connectors.documents.errors import SigningConfigError, SigningError
from connectors.documents.loops import outside_event_loop
from connectors.documents.signing import DEFAULT_LOCATION, load_signer

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,150}$")
OFFICIAL_VALIDITY = timedelta(days=2 * 365)
DEV_ORGANIZATION = "Municipalidad de San Miguel de Tucumán (desarrollo, NO VÁLIDO PARA PRODUCCIÓN)"


@dataclass(frozen=True)
class Credential:
    """Where officials' keys live: a folder of PKCS#12 files, or a PKCS#11 module and token.

    :param folder: the folder of ``<username>.p12`` files (PKCS#12).
    :param pkcs11_module: path of the PKCS#11 library (``libsofthsm2.so``, a token's driver).
    :param pkcs11_token: the token's label.
    """

    folder: str | None = None
    pkcs11_module: str | None = None
    pkcs11_token: str | None = None

    def __repr__(self) -> str:
        kind = "pkcs11" if self.pkcs11_module else "pkcs12"
        return f"Credential({kind})"


@dataclass(frozen=True)
class OfficialSignature:
    """A PDF an official signed, and who the certificate says they are."""

    pdf: bytes
    signer: str
    certificate_sha256: str


def p12_path(folder: str | os.PathLike[str], username: str) -> Path:
    """The PKCS#12 file of one official (the username is checked: no path tricks).

    :raises SigningConfigError: for a username that is not a plain name.
    """
    if not USERNAME.match(username) or username.startswith("."):
        raise SigningConfigError("El nombre de usuario no puede nombrar una credencial de firma.")
    return Path(folder) / f"{username}.p12"


def create_official_credential(path: str | os.PathLike[str], passphrase: str, *, full_name: str,
                               role: str, overwrite: bool = False) -> Path:
    """Write a self-signed PKCS#12 credential for one official (development and demos).

    The certificate names the official (common name) and their role (title); the
    organisation says it is not valid for production. Mode 0600.

    :param path: where to write the ``.p12`` file.
    :param passphrase: what protects it (the official types it to sign).
    :param full_name: the official's name as documents show it.
    :param role: their role or office (``Dirección de Comercio``).
    :param overwrite: replace an existing file (by default an existing file is an error).
    :return: the file's path.
    :raises FileExistsError: when ``path`` exists and ``overwrite`` is false.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _self_signed(key, full_name, role)
    archive = pkcs12.serialize_key_and_certificates(
        full_name.encode("utf-8"), key, cert, None, serialization.BestAvailableEncryption(passphrase.encode("utf-8")))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    with os.fdopen(os.open(target, flags, 0o600), "wb") as handle:
        handle.write(archive)
    return target


def _self_signed(key: rsa.RSAPrivateKey, full_name: str, role: str) -> x509.Certificate:
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, full_name[:64]),
        x509.NameAttribute(NameOID.TITLE, (role or "Funcionario")[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORGANIZATION[:64]),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "AR"),
    ])
    now = datetime.now(UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + OFFICIAL_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(key, hashes.SHA256()))


@contextmanager
def official_signer(credential: Credential, username: str, passphrase: str) -> Iterator[signers.Signer]:
    """Open one official's signer for as long as the block lasts (a batch signs inside one).

    :raises SigningConfigError: when the credential is missing or the passphrase (PIN) is wrong.
    """
    if credential.pkcs11_module:
        with _pkcs11_signer(credential, username, passphrase) as signer:
            yield signer
        return
    if not credential.folder:
        raise SigningConfigError("No hay credenciales de firma de funcionarios configuradas.")
    path = p12_path(credential.folder, username)
    if not path.exists():
        raise SigningConfigError("Usted no tiene una credencial de firma.")
    try:
        yield load_signer(path, passphrase)
    except SigningConfigError as e:
        raise SigningConfigError("La clave de su credencial de firma no es correcta.") from e


@contextmanager
def _pkcs11_signer(credential: Credential, username: str, pin: str) -> Iterator[signers.Signer]:
    from pkcs11 import PKCS11Error  # python-pkcs11: only where a token is configured
    from pyhanko.sign.pkcs11 import PKCS11Signer, TokenCriteria, open_pkcs11_session

    p12_path("/", username)  # the same check of the name, used here as the key's label
    try:
        session = open_pkcs11_session(str(credential.pkcs11_module), user_pin=pin,
                                      token_criteria=TokenCriteria(label=credential.pkcs11_token))
    except (PKCS11Error, PyHankoSigningError) as e:
        raise SigningConfigError("No se pudo abrir el token de firma (PIN incorrecto o token ausente).",
                                 detail=repr(e)) from e
    try:
        yield PKCS11Signer(session, cert_label=username, key_label=username)
    except PKCS11Error as e:  # raised while signing: no key or certificate with that label, a token gone
        raise SigningError("El token no pudo firmar con su credencial.", detail=repr(e)) from e
    finally:
        session.close()


def countersign(pdf: bytes, signer: signers.Signer, *, reason: str, field_name: str,
                location: str = DEFAULT_LOCATION) -> OfficialSignature:
    """Add one official's approval signature (PAdES B-B) as an incremental update.

    :param pdf: the document as the previous signer left it (or as rendered).
    :param signer: from :func:`official_signer`.
    :param reason: what the signature means (``Firma de «Resolución» como Director``).
    :param field_name: a field name new in this document (one per signature).
    :return: the signed bytes and the certificate's subject and SHA-256 fingerprint.
    :raises SigningError: when the PDF cannot be signed (or the token refuses).
    """
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason, location=location,
                                        md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        out = outside_event_loop(lambda: signers.PdfSigner(meta, signer).sign_pdf(writer))
    except (PdfError, PyHankoSigningError, ValueError) as e:
        raise SigningError("No se pudo firmar el documento.", detail=repr(e)) from e
    cert: Any = signer.signing_cert
    return OfficialSignature(pdf=bytes(out.getvalue()), signer=cert.subject.human_friendly,
                             certificate_sha256=cert.sha256.hex())
