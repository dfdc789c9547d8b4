"""Inspect a PDF someone presents: its hash, its signature, and whether it changed.

This answers the technical half of "is this certificate authentic?". The other half
(were these exact bytes issued by the city, and not revoked?) is the engine's registry,
which compares :attr:`Inspection.sha256` with what it recorded at issue.

A document counts as modified when its signature no longer matches the signed bytes (a
flipped byte) *or* when bytes were appended after the signature (an incremental update:
the original signature stays intact but no longer covers the whole file).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from connectors.documents.loops import outside_event_loop

logger = logging.getLogger("tramites.connectors.documents")

TrustedCert: TypeAlias = "x509.Certificate | asn1_x509.Certificate | bytes"

STATE_LABELS = {
    "intact": "firma válida e íntegra",
    "untrusted": "firma íntegra de un firmante no reconocido",
    "modified": "modificado",
    "unsigned": "sin firma digital",
    "unreadable": "no es un PDF legible",
}


@dataclass(frozen=True)
class Inspection:
    """What :func:`inspect_pdf` found.

    :param sha256: SHA-256 of the bytes, lowercase hex (compare with the registry).
    :param readable: whether the bytes parse as a PDF.
    :param signed: whether the PDF carries a signature (for unreadable bytes: whether
        they contain a signature dictionary).
    :param intact: the signed bytes still hash to what was signed (``None`` if unsigned).
    :param valid: the signature is cryptographically sound (``None`` if unsigned).
    :param trusted: the signer chains to the trusted certificate given (``None`` if unsigned).
    :param coverage: pyHanko's coverage name (``ENTIRE_FILE``, ``ENTIRE_REVISION``, …).
    :param modified: changed after signing: not intact (or the signature value broken), or
        later revisions appended.
    :param signer: the signer certificate's subject, human readable.
    :param signed_at: the signing time the signer reported.
    :param signatures: how many signatures the file holds.
    :param signers: every signature in signing order (see :func:`signature_list`), when
        the file holds more than one: officials countersigning a resolution.
    """

    sha256: str
    readable: bool
    signed: bool
    intact: bool | None = None
    valid: bool | None = None
    trusted: bool | None = None
    coverage: str | None = None
    modified: bool = False
    signer: str | None = None
    signed_at: datetime | None = None
    signatures: int = 0
    signers: tuple[dict[str, Any], ...] = ()

    @property
    def state(self) -> str:
        """One of ``intact``, ``untrusted``, ``modified``, ``unsigned``, ``unreadable``."""
        if self.signed and self.modified:
            return "modified"
        if not self.readable:
            return "unreadable"
        if not self.signed:
            return "unsigned"
        return "intact" if self.trusted else "untrusted"

    @property
    def label(self) -> str:
        """The state in Spanish, for the verification page (``modificado``, …)."""
        return STATE_LABELS[self.state]

    def as_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data (dates as ISO 8601)."""
        return {
            "sha256": self.sha256, "readable": self.readable, "signed": self.signed, "intact": self.intact,
            "valid": self.valid, "trusted": self.trusted, "coverage": self.coverage, "modified": self.modified,
            "signer": self.signer, "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "signatures": self.signatures, "state": self.state, "label": self.label,
            "signers": [dict(signer) for signer in self.signers],
        }


def _as_asn1(cert: TrustedCert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, x509.Certificate):
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    if cert.lstrip().startswith(b"-----BEGIN"):
        return asn1_x509.Certificate.load(x509.load_pem_x509_certificate(cert).public_bytes(serialization.Encoding.DER))
    return asn1_x509.Certificate.load(cert)


def _validation_context(trusted_cert: TrustedCert | None) -> ValidationContext:
    # No fetching: verification must not depend on (or leak to) the network, and the
    # trust root is the city's own certificate, not the system store.
    roots: list[asn1_x509.Certificate] = [_as_asn1(trusted_cert)] if trusted_cert is not None else []
    return ValidationContext(trust_roots=roots, allow_fetching=False)


def inspect_pdf(pdf_bytes: bytes, trusted_cert: TrustedCert | None = None) -> Inspection:
    """Hash a PDF and check its first (the city's) signature.

    Never raises on bad input: garbage, truncated or tampered files come back as an
    :class:`Inspection` saying so.

    :param pdf_bytes: the file as presented.
    :param trusted_cert: the certificate the signature must chain to (the configured
        signing certificate, or the development one); without it ``trusted`` is false.
    :return: the findings.
    """
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    looks_signed = b"/ByteRange" in pdf_bytes
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as e:
        # A tampered signed file may no longer parse: report what can be said.
        logger.info("PDF did not parse for inspection: %r", e)
        return Inspection(sha256=digest, readable=False, signed=looks_signed, modified=looks_signed)
    if not embedded:
        return Inspection(sha256=digest, readable=True, signed=False)
    first = min(embedded, key=lambda sig: sig.signed_revision)
    try:
        status = outside_event_loop(lambda: validate_pdf_signature(first, _validation_context(trusted_cert),
                                                                   skip_diff=True))
    except RuntimeError:
        raise  # e.g. called inside a running event loop: a fault of ours, not of the document
    except Exception as e:
        logger.info("signature did not validate for inspection: %r", e)
        return Inspection(sha256=digest, readable=True, signed=True, intact=False, valid=False, trusted=False,
                          modified=True, signatures=len(embedded))
    coverage = status.coverage
    if len(embedded) > 1:
        # Countersigned: a later signature is an allowed change; judge every signature by its diff.
        listed = tuple(signature_list(reader, embedded))
        return Inspection(sha256=digest, readable=True, signed=True, intact=status.intact, valid=status.valid,
                          trusted=status.trusted, coverage=coverage.name if coverage is not None else None,
                          modified=any(entry["modified"] for entry in listed),
                          signer=status.signing_cert.subject.human_friendly, signed_at=status.signer_reported_dt,
                          signatures=len(embedded), signers=listed)
    return Inspection(
        sha256=digest,
        readable=True,
        signed=True,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        coverage=coverage.name if coverage is not None else None,
        modified=not (status.intact and status.valid) or coverage != SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        signatures=len(embedded),
    )


#: What may follow an official's signature without it counting as a modification: nothing,
#: validation data, or another signature filling its own field.
ALLOWED_AFTER = {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING}


def signature_list(reader: PdfFileReader, embedded: list[Any] | None = None) -> list[dict[str, Any]]:
    """Every signature of a PDF in signing order, each judged with pyHanko's difference analysis.

    A signature is ``modified`` when its signed bytes changed, its value is broken, or what
    was added after it is more than later signatures (content, pages, annotations). The
    last signature must cover the whole file.

    :return: ``[{"signer", "role", "signed_at", "certificate_sha256", "intact", "modified"}]``.
    """
    found = sorted(embedded if embedded is not None else reader.embedded_signatures,
                   key=lambda sig: sig.signed_revision)
    listed = []
    for position, signature in enumerate(found):
        last = position == len(found) - 1
        listed.append(_judge(signature, last))
    return listed


def _judge(signature: Any, last: bool) -> dict[str, Any]:
    cert = signature.signer_cert
    titles = [attr["value"].native for rdn in cert.subject.chosen for attr in rdn
              if attr["type"].native == "title"]
    entry: dict[str, Any] = {"signer": cert.subject.native.get("common_name") or cert.subject.human_friendly,
                             "role": titles[0] if titles else None, "certificate_sha256": cert.sha256.hex()}
    try:
        status = outside_event_loop(lambda: validate_pdf_signature(signature, _validation_context(None)))
    except RuntimeError:
        raise
    except Exception as e:
        logger.info("signature did not validate for inspection: %r", e)
        return {**entry, "signed_at": None, "intact": False, "modified": True}
    sound = bool(status.intact and status.valid)
    if last:
        untouched = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    else:
        untouched = status.docmdp_ok is not False and status.modification_level in ALLOWED_AFTER
    when = status.signer_reported_dt
    return {**entry, "signed_at": when.isoformat() if when else None, "intact": sound,
            "modified": not (sound and untouched)}
